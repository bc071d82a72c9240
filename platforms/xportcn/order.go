package xportcn

import (
	"context"
	"net/url"
	"strconv"

	"github.com/aftersale/aftersale/platforms"
)

// OrderStatuses is the purchase order status enum of GET /open/order/page,
// as its page documents it.
var OrderStatuses = map[string]string{
	"0":  "to be paid",
	"1":  "paid, to be confirmed by finance",
	"2":  "financial confirmation passed",
	"3":  "financial confirmation not passed",
	"4":  "cancelled",
	"10": "to be shipped",
	"11": "shipped",
}

// orderGoods is where the goods are for each order status: before status
// 11 the seller has not shipped them.
var orderGoods = map[string]platforms.GoodsStatus{
	"0": platforms.GoodsNotShipped, "1": platforms.GoodsNotShipped, "2": platforms.GoodsNotShipped,
	"3": platforms.GoodsNotShipped, "10": platforms.GoodsNotShipped, "11": platforms.GoodsShipped,
}

// OrderQuery selects purchase orders (GET /open/order/page query params).
type OrderQuery struct {
	ID       string // the purchase order id
	OrderNo  string
	Page     int // 1-based
	PageSize int
}

// OrderPageData is the envelope's data of the order page.
type OrderPageData struct {
	Total  text    `json:"total"`
	Orders []Order `json:"data"`
}

// Order is a purchase order without its personal data: userName (the end
// customer) and subOrderResult (payment numbers, images) are not decoded.
type Order struct {
	ID                text       `json:"id"`
	OrderNo           text       `json:"orderNo"`
	SellerOrderNumber text       `json:"sellerOrderNumber"`
	OrderSource       string     `json:"orderSource"`
	CreateTime        string     `json:"createTime"` // "2006-01-02 15:04:05"
	PayTime           string     `json:"payTime"`
	PurchaseAmount    text       `json:"purchaseAmount"` // fen
	Status            text       `json:"status"`
	SubOrders         []SubOrder `json:"subOrderVOS"`
}

// SubOrder is one line of a purchase order.
type SubOrder struct {
	OrderNo          text   `json:"orderNo"`
	Quantity         text   `json:"quantity"`
	Title            string `json:"title"`
	PurchaseCurrency string `json:"purchaseCurrency"`
	PurchaseAmount   text   `json:"purchaseAmount"`
	ItemID           text   `json:"itemId"`
	SkuID            text   `json:"skuId"`
	CloseReason      string `json:"closeReason"`
	Status           text   `json:"status"`
}

// Orders reads one page of purchase orders. The docs mark this endpoint
// "to be deprecated" (将废弃): it is only used for context, never to act.
func (c *Client) Orders(ctx context.Context, q OrderQuery) (OrderPageData, error) {
	v := url.Values{
		"pageNum":  {strconv.Itoa(max(q.Page, 1))},
		"pageSize": {strconv.Itoa(min(max(q.PageSize, 1), maxPageSize))},
	}
	if q.ID != "" {
		v.Set("id", q.ID)
	}
	if q.OrderNo != "" {
		v.Set("orderNo", q.OrderNo)
	}
	var data OrderPageData
	err := c.call(ctx, epOrderPage, v, nil, &data)
	return data, err
}

// addOrderContext puts the purchase order's status and amount in the
// case's Attrs, and where the goods are when the refund does not say. The
// order page is looked up by id = the refund's purchaseOrderId (that the two
// ids match is UNCONFIRMED). The context is optional: a failure is logged
// and the case returned without it.
func (c *Client) addOrderContext(ctx context.Context, cs *platforms.Case) error {
	data, err := c.Orders(ctx, OrderQuery{ID: cs.OrderID, PageSize: 1})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.Warn("xportcn: order context unavailable", "refund_id", cs.ID, "order_id", cs.OrderID, "error", err)
		return nil
	}
	for _, o := range data.Orders {
		if string(o.ID) != cs.OrderID {
			continue
		}
		st := string(o.Status)
		setAttr(cs.Attrs, "order_status", st)
		setAttr(cs.Attrs, "order_status_name", OrderStatuses[st])
		setAttr(cs.Attrs, "order_amount", string(o.PurchaseAmount))
		if g, ok := orderGoods[st]; ok && cs.GoodsStatus == platforms.GoodsUnknown {
			cs.GoodsStatus = g
		}
	}
	return nil
}
