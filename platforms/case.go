// Package platforms holds the domain types shared by every platform: the
// normalized Case, its Status, the Actions a workflow may take, typed errors,
// and the Client interface each platform package implements.
package platforms

import (
	"fmt"
	"slices"
	"time"
)

// Platform names a marketplace. The values appear in workflow IDs and rule files.
type Platform string

const (
	Taobao   Platform = "taobao"
	Xiaoe    Platform = "xiaoe"
	Shopline Platform = "shopline"
	Xportcn  Platform = "xportcn"
)

// Kind is what the buyer asked for.
type Kind string

const (
	KindRefund   Kind = "refund"
	KindReturn   Kind = "return"
	KindExchange Kind = "exchange"
)

// Role is the side of a case: we act as the seller except on Xportcn.
type Role string

const (
	RoleSeller   Role = "seller"
	RoleBuyer    Role = "buyer"
	RolePlatform Role = "platform"
)

// GoodsStatus says where the goods are, as far as the platform tells.
type GoodsStatus string

const (
	GoodsNotShipped GoodsStatus = "not_shipped"
	GoodsShipped    GoodsStatus = "shipped"
	GoodsReceived   GoodsStatus = "received"
	GoodsReturned   GoodsStatus = "returned"
	GoodsUnknown    GoodsStatus = "unknown"
)

// Flags name conditions that make automation unsafe or constrained.
const (
	FlagCSInvolved      = "cs_involved"        // platform customer service (小二) is involved
	FlagMustHandleOnWeb = "must_handle_on_web" // platform demands a human on its web console
	FlagCannotRefuse    = "cannot_refuse"      // platform forbids refusing this case
	// FlagDeadlineUnparsed: the platform sent a deadline we could not read,
	// so we cannot know we act in time.
	FlagDeadlineUnparsed = "deadline_unparsed"
)

// Item is one line of goods in a case. No personal data.
type Item struct {
	SKU      string `json:"sku,omitempty"`
	Title    string `json:"title,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
	Amount   int64  `json:"amount,omitempty"` // minor units
}

// Case is the normalized view of one after-sale case on one platform.
// It never carries buyer names, phones or addresses.
type Case struct {
	Platform       Platform    `json:"platform"`
	Shop           string      `json:"shop"`
	ID             string      `json:"id"`
	OrderID        string      `json:"order_id,omitempty"`
	Kind           Kind        `json:"kind"`
	Role           Role        `json:"role"`
	Status         Status      `json:"status"`
	PlatformStatus string      `json:"platform_status"`
	Amount         int64       `json:"amount"` // minor units (fen, cents)
	Currency       string      `json:"currency"`
	Reason         string      `json:"reason,omitempty"`
	ReasonID       int64       `json:"reason_id,omitempty"`
	GoodsStatus    GoodsStatus `json:"goods_status"`
	Items          []Item      `json:"items,omitempty"`
	Deadline       time.Time   `json:"deadline,omitzero"`
	DeadlineOwner  Role        `json:"deadline_owner,omitempty"`
	Version        string      `json:"version,omitempty"` // platform optimistic-lock value
	Modified       time.Time   `json:"modified,omitzero"`
	Flags          []string    `json:"flags,omitempty"`
	// Attrs keeps platform values needed to act (e.g. TOP refund_phase).
	Attrs map[string]string `json:"attrs,omitempty"`
	// Allowed lists the actions the platform accepts in this state, filled by
	// the client so that workflows can validate human decisions without I/O.
	Allowed []Action `json:"allowed,omitempty"`
}

// Key is the stable identity of a case across sources.
func (c Case) Key() string { return fmt.Sprintf("%s/%s/%s", c.Platform, c.Shop, c.ID) }

// HasFlag reports whether the platform raised the flag on this case.
func (c Case) HasFlag(f string) bool { return slices.Contains(c.Flags, f) }

// Terminal reports whether the platform has finished with the case.
func (c Case) Terminal() bool { return c.Status.Terminal() }

// Allows reports whether the platform accepts the action now.
func (c Case) Allows(a Action) bool { return slices.Contains(c.Allowed, a) }

// Changed reports whether other is a newer platform state than c.
func (c Case) Changed(other Case) bool {
	return c.Status != other.Status || c.PlatformStatus != other.PlatformStatus ||
		c.Version != other.Version || !c.Modified.Equal(other.Modified) || c.Amount != other.Amount
}
