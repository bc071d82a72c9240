package shopline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

// The seed is SHOPLINE's reference page for GET
// /orders/:order_id/refunds.json, copied byte for byte into testdata. It has
// no JSON sample: the response is a flattened field list (name, type,
// description, example) in document order. The test reads the whole list,
// rebuilds the documented sample from it, and parses that sample with the
// client's own decoder.

// seedField is one documented response field.
type seedField struct {
	name, typ, example string
	hasExample         bool
}

var (
	fieldRe   = regexp.MustCompile(`^\s*•\s+(\S+?)\s*(object\[\]|object|string|double|integer|long|boolean)$`)
	exampleRe = regexp.MustCompile(`^\s+Example:\s?(.*)$`)
)

// seedFields returns the fields documented under 响应体 (response body).
func seedFields(t testing.TB, page []byte) []seedField {
	t.Helper()
	var out []seedField
	in := false
	sc := bufio.NewScanner(bytes.NewReader(page))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "响应体":
			in = true
		case strings.HasPrefix(line, "API Explorer"):
			in = false
		case !in:
		case fieldRe.MatchString(line):
			m := fieldRe.FindStringSubmatch(line)
			out = append(out, seedField{name: m[1], typ: m[2]})
		case exampleRe.MatchString(line) && len(out) > 0 && !out[len(out)-1].hasExample:
			out[len(out)-1].example = exampleRe.FindStringSubmatch(line)[1]
			out[len(out)-1].hasExample = true
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d response fields found in the seed", len(out))
	}
	return out
}

// schema is the nesting the page flattens: object fields name their
// children. It is the documented structure, not our struct's.
type schema map[string]schema

var money = schema{"amount": nil, "currency_code": nil}
var moneySet = schema{"presentment_money": money, "shop_money": money}

var refundsSchema = schema{"refunds": {
	"created_at": nil, "id": nil, "note": nil, "order_id": nil, "processed_at": nil, "user_id": nil,
	"order_adjustments": {
		"amount": nil, "amount_set": moneySet, "id": nil, "kind": nil, "order_id": nil, "reason": nil,
		"refund_id": nil, "tax_amount": nil, "tax_amount_set": moneySet,
	},
	"refund_line_items": {
		"id": nil, "line_item_id": nil, "quantity": nil, "restock_type": nil, "subtotal": nil,
		"subtotal_set": moneySet, "total_tax": nil, "total_tax_set": moneySet, "total_duties_set": moneySet,
		"line_item": {
			"attribute": nil, "fulfillable_quantity": nil, "fulfillment_service": nil, "fulfillment_status": nil,
			"grams": nil, "id": nil, "name": nil, "price": nil, "price_set": moneySet, "product_id": nil,
			"quantity": nil, "requires_shipping": nil, "sku": nil, "taxable": nil, "title": nil,
			"variant_id": nil, "variant_title": nil, "vendor": nil,
			"tax_lines": {"price": nil, "price_set": moneySet, "rate": nil, "title": nil},
		},
	},
	"transactions": {
		"amount": nil, "created_at": nil, "currency": nil, "id": nil, "kind": nil, "order_id": nil,
		"processed_at": nil, "status": nil, "user_id": nil,
	},
}}

// build consumes fields into an object of schema s, in document order: a
// field belongs to the innermost open object that has it and has not seen
// it yet. Arrays hold one element, as the documentation shows one.
func build(t testing.TB, fs []seedField, s schema) (map[string]any, []seedField) {
	t.Helper()
	obj := map[string]any{}
	for len(fs) > 0 {
		f := fs[0]
		children, ok := s[f.name]
		if _, seen := obj[f.name]; !ok || seen {
			return obj, fs
		}
		fs = fs[1:]
		switch f.typ {
		case "object", "object[]":
			var sub map[string]any
			sub, fs = build(t, fs, children)
			if f.typ == "object" {
				obj[f.name] = sub
			} else {
				obj[f.name] = []any{sub}
			}
		case "string":
			obj[f.name] = f.example
		case "boolean":
			obj[f.name] = f.example == "true"
		default: // double, integer, long: a JSON number, as documented
			obj[f.name] = json.Number(f.example)
		}
	}
	return obj, fs
}

func TestSeedOrderRefundsPage(t *testing.T) {
	page, err := os.ReadFile("testdata/shopline-order-refunds.txt")
	if err != nil {
		t.Fatal(err)
	}

	// The endpoint and headers the page documents are the ones the client uses.
	for _, want := range []string{
		"GET https://{handle}.myshopline.com/admin/openapi/" + APIVersion + "/orders/:order_id/refunds.json",
		"字段值固定为application/json; charset=utf-8",
		"--header 'Authorization: Bearer ",
		"--header 'Content-Type: application/json; charset=utf-8'",
		"限制返回的数量,最大" + refundsLimit + "条",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("seed page lacks %q", want)
		}
	}
	if epRefunds.name != "orders/:order_id/refunds.json" {
		t.Errorf("endpoint %q", epRefunds.name)
	}

	fields := seedFields(t, page)
	sample, rest := build(t, fields, refundsSchema)
	if len(rest) > 0 {
		t.Fatalf("%d documented fields do not fit the documented nesting, first %+v", len(rest), rest[0])
	}
	raw, err := json.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}

	var out struct {
		Refunds []Refund `json:"refunds"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("the documented sample does not decode: %v\n%s", err, raw)
	}
	if len(out.Refunds) != 1 {
		t.Fatalf("%d refunds", len(out.Refunds))
	}
	r := out.Refunds[0]
	// Documented quirks the decoder must take: subtotal is a double, the
	// amount_set amounts are doubles while the same field elsewhere is a string.
	if r.RefundLineItems[0].Subtotal != "100" || r.RefundLineItems[0].LineItem.PriceSet.ShopMoney.Amount != "8.00" {
		t.Fatalf("line item decoded as %+v", r.RefundLineItems[0])
	}

	c, err := ParseRefund("open001", r)
	if err != nil {
		t.Fatal(err)
	}
	want := platforms.Case{
		Platform: platforms.Shopline, Shop: "open001",
		ID:      "refund-21057168152571061289431726-SL201AS4571669738589065294",
		OrderID: "21057168152571061289431726", Kind: platforms.KindRefund, Role: platforms.RoleSeller,
		Status: platforms.StatusSucceeded, PlatformStatus: "success",
		Amount: 10000, Currency: "CNY", GoodsStatus: platforms.GoodsUnknown,
	}
	got := c
	got.Version, got.Modified, got.Items, got.Attrs, got.Allowed = "", c.Modified, nil, nil, nil
	want.Modified = c.Modified
	if !equalCase(got, want) {
		t.Fatalf("case = %+v\nwant   %+v", got, want)
	}
	if c.Modified.IsZero() || c.Version == "" || len(c.Allowed) != 0 {
		t.Fatalf("modified %v, version %q, allowed %v", c.Modified, c.Version, c.Allowed)
	}
	if it := c.Items[0]; it.Title != "商品标题" || it.Quantity != 1 || it.Amount != 10000 || it.SKU == "" {
		t.Fatalf("item = %+v", it)
	}
	// No buyer data reaches the case.
	if b, _ := json.Marshal(c); bytes.Contains(b, []byte("14323434")) || bytes.Contains(b, []byte("16576456")) {
		t.Fatalf("a user_id reached the case: %s", b)
	}
}

func equalCase(a, b platforms.Case) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
