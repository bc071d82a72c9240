package xportcn

import "github.com/aftersale/aftersale/platforms"

// AllowedActions returns the buyer actions Xportcn accepts on c now. We are
// the buyer: agreeing, refusing and confirming are the Taobao seller's.
//   - cancel withdraws our request while it is open and the goods are not
//     on their way back (cancelling then would leave them with the seller);
//   - ship_return submits the return waybill once the seller agreed a return.
//
// Unknown statuses allow nothing: a human handles them on Xportcn's console.
func AllowedActions(c platforms.Case) []platforms.Action {
	switch c.Status {
	case platforms.StatusAwaitingSeller, platforms.StatusRefused:
		return []platforms.Action{platforms.ActionCancel}
	case platforms.StatusAwaitingBuyerReturn:
		return []platforms.Action{platforms.ActionShipReturn, platforms.ActionCancel}
	}
	return nil
}
