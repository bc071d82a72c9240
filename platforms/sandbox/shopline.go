package sandbox

// SHOPLINE Admin OpenAPI (merchant app) at its real paths under
// /admin/openapi/v20250601/: Bearer tokens, the documented leaky bucket,
// {"errors": "..."} answers with a traceId header. The endpoints are in
// shopline_api.go, the platform's own moves (packages arriving, returns
// closing) in shopline_moves.go, webhooks in shopline_webhook.go.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default SHOPLINE credentials for dev mode and tests.
const (
	// DefaultShoplineAppSecret signs the sandbox's webhooks.
	DefaultShoplineAppSecret = "sandbox-shopline-secret"
	shoplineTokenPrefix      = "sandbox-shopline-token-"
	// ShoplineAPIPrefix is where the Admin OpenAPI lives: a client's base
	// URL is the sandbox address plus this.
	ShoplineAPIPrefix = "/admin/openapi/v20250601"
)

// ShoplineTokenFor returns the default access token of a shop (store).
func ShoplineTokenFor(shop string) string { return shoplineTokenPrefix + shop }

// shoplineLimit is SHOPLINE's documented bucket: 4 requests a second per
// app per store, 40 deep.
var shoplineLimit = Limit{Rate: 4, Burst: 40}

// ShoplineOptions configure the SHOPLINE simulator. The zero value is usable.
type ShoplineOptions struct {
	// Tokens maps access token to shop. When nil, ShoplineTokenFor(shop)
	// is accepted for any shop.
	Tokens map[string]string
	// AppSecret signs webhooks; default DefaultShoplineAppSecret.
	AppSecret string
	// WebhookURL, when set, receives the webhooks SHOPLINE would send
	// (return/create, refunds/create, return_package/update), signed with
	// AppSecret and retried until answered 2xx. The store domain header is
	// "<shop>.myshopline.com".
	WebhookURL string
}

type shoplineSim struct {
	s *Sandbox

	mu         sync.Mutex
	tokens     map[string]string // token → shop
	anyShop    bool
	appSecret  string
	webhookURL string
	hooks      *http.Client
}

func newShopline(s *Sandbox, o ShoplineOptions) *shoplineSim {
	x := &shoplineSim{
		s:          s,
		tokens:     map[string]string{},
		anyShop:    o.Tokens == nil,
		appSecret:  o.AppSecret,
		webhookURL: o.WebhookURL,
		hooks:      &http.Client{Timeout: 5 * time.Second},
	}
	if x.appSecret == "" {
		x.appSecret = DefaultShoplineAppSecret
	}
	for tok, shop := range o.Tokens {
		x.tokens[tok] = shop
	}
	return x
}

// register binds an access token (ShopCredentials.Session) to a shop, and
// may replace the app secret that signs webhooks.
func (x *shoplineSim) register(c ShopCredentials) error {
	if c.Session == "" && c.AppSecret == "" {
		return fmt.Errorf("nothing to register: give session (the store's access token) and/or app_secret")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if c.Session != "" {
		x.tokens[c.Session] = c.Shop
	}
	if c.AppSecret != "" {
		x.appSecret = c.AppSecret
	}
	return nil
}

// slError is a SHOPLINE error answer: an HTTP status and {"errors": msg}.
type slError struct {
	status int
	msg    string
	// violation marks a broken protocol (bad token, body or parameter),
	// counted in /_sandbox/calls.
	violation bool
}

func (e *slError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.msg) }

func slBad(msg string) *slError           { return &slError{status: 400, msg: msg, violation: true} }
func slUnprocessable(msg string) *slError { return &slError{status: 422, msg: msg} }
func slNotFound(msg string) *slError      { return &slError{status: 404, msg: msg} }

// slCall is one authenticated call.
type slCall struct {
	shop   string
	ep     string // endpoint as its reference page names it
	r      *http.Request
	body   map[string]any // decoded JSON body of a POST
	logged bool           // the handler logged its action
	found  map[string]arrival
}

// slHandler answers a call with a JSON body or an error.
type slHandler func(c *slCall) (any, *slError)

func (x *shoplineSim) routes(mux *http.ServeMux) {
	p := ShoplineAPIPrefix + "/"
	mux.HandleFunc("GET "+p+"orders/{order_id}/refunds.json", x.serve("orders/:order_id/refunds.json", false, x.listRefunds))
	mux.HandleFunc("GET "+p+"orders/{order_id}/refunds/{file}", x.serve("orders/:order_id/refunds/:refund_id.json", false, x.getRefund))
	mux.HandleFunc("POST "+p+"orders/{order_id}/refunds/calculate.json", x.serve("orders/:order_id/refunds/calculate.json", false, x.calculate))
	mux.HandleFunc("POST "+p+"order/refund.json", x.serve("order/refund.json", true, x.createRefund))
	mux.HandleFunc("GET "+p+"return.json", x.serve("return.json", false, x.queryReturns))
	mux.HandleFunc("GET "+p+"return_fulfillment.json", x.serve("return_fulfillment.json", false, x.queryReturnFulfillment))
	mux.HandleFunc("/admin/openapi/", func(w http.ResponseWriter, r *http.Request) {
		x.s.calls.add(PlatformShopline, "")
		x.write(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
	})
	mux.HandleFunc("POST /_sandbox/shopline/arrive", x.adminArrive)
}

// serve wraps an endpoint with what every SHOPLINE call goes through, in
// order: the token, the content type, the rate limit, the body, faults.
func (x *shoplineSim) serve(ep string, mutating bool, h slHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x.s.calls.add(PlatformShopline, ep)
		shop, ok := x.authenticate(r)
		if !ok {
			x.s.calls.violation(PlatformShopline)
			x.write(w, http.StatusUnauthorized, map[string]any{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
			return
		}
		c := &slCall{shop: shop, ep: ep, r: r}
		if ct := strings.ToLower(r.Header.Get("Content-Type")); !strings.HasPrefix(ct, "application/json") {
			x.fail(w, c, mutating, slBad("Content-Type must be application/json; charset=utf-8"))
			return
		}
		if x.s.overLimit(PlatformShopline, shop, shoplineLimit) {
			x.write(w, http.StatusTooManyRequests, map[string]any{"errors": "Too many request"})
			return
		}
		if r.Method == http.MethodPost {
			raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err == nil {
				err = decodeJSON(raw, &c.body)
			}
			if err != nil || c.body == nil {
				x.fail(w, c, mutating, slBad("the request body must be a JSON object"))
				return
			}
		}
		if mutating {
			c.found = x.s.arrivals(PlatformShopline, shop, x.caseOfCall(c))
		}

		switch kind := x.s.pickFault(PlatformShopline, ep); kind {
		case Fault429, Fault500, FaultMalformed:
			x.s.log.Info("sandbox fault", "platform", PlatformShopline, "endpoint", ep, "kind", kind)
			if mutating {
				x.logAction(c, x.caseOfCall(c), fmt.Errorf("injected fault %s: not applied", kind))
			}
			switch kind {
			case Fault429:
				x.write(w, http.StatusTooManyRequests, map[string]any{"errors": "Too many request"})
			case Fault500:
				x.write(w, http.StatusInternalServerError, map[string]any{"errors": "Internal Server Error"})
			default:
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				io.WriteString(w, `{"refund":{"id":"`)
			}
			return
		case FaultTimeout:
			x.s.log.Info("sandbox fault", "platform", PlatformShopline, "endpoint", ep, "kind", kind)
			x.run(c, mutating, h)
			hold(r.Context())
			panic(http.ErrAbortHandler) // drop the connection: no answer at all
		}

		body, e := x.run(c, mutating, h)
		if e != nil {
			if e.violation {
				x.s.calls.violation(PlatformShopline)
			}
			x.write(w, e.status, map[string]any{"errors": e.msg})
			return
		}
		x.write(w, http.StatusOK, body)
	}
}

// run calls the handler and logs a mutating call it did not log itself.
func (x *shoplineSim) run(c *slCall, mutating bool, h slHandler) (any, *slError) {
	body, e := h(c)
	if mutating && !c.logged {
		var err error
		if e != nil {
			err = e
		}
		x.logAction(c, x.caseOfCall(c), err)
	}
	return body, e
}

// fail answers a call rejected before its handler ran; a rejected mutation
// is still logged (it passed authentication).
func (x *shoplineSim) fail(w http.ResponseWriter, c *slCall, mutating bool, e *slError) {
	if e.violation {
		x.s.calls.violation(PlatformShopline)
	}
	if mutating {
		x.logAction(c, "", e)
	}
	x.write(w, e.status, map[string]any{"errors": e.msg})
}

// authenticate resolves "Authorization: Bearer <token>" to a shop.
func (x *shoplineSim) authenticate(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return "", false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if shop, ok := x.tokens[tok]; ok {
		return shop, true
	}
	if shop, ok := strings.CutPrefix(tok, shoplineTokenPrefix); ok && x.anyShop && shop != "" {
		return shop, true
	}
	return "", false
}

func (x *shoplineSim) logAction(c *slCall, caseID string, err error) {
	c.logged = true
	a := Action{
		Platform: PlatformShopline,
		Shop:     c.shop,
		CaseID:   caseID,
		Action:   c.ep,
		Params:   slParams(c.body),
		At:       x.s.clock.Now(),
		OK:       err == nil,
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.setArrival(c.found)
	x.s.logAction(a)
}

// slParams flattens a refund request for the action log: order, currency,
// the lines and the money, nothing else.
func slParams(body map[string]any) map[string]string {
	out := map[string]string{}
	if body == nil {
		return out
	}
	for _, k := range []string{"order_id", "currency", "note", "notify"} {
		if v := getString(body, k); v != "" {
			out[k] = v
		}
	}
	var lines, txns []string
	for _, l := range slList(body, "refund_line_items") {
		lines = append(lines, getString(l, "line_item_id")+":"+getString(l, "quantity"))
	}
	for _, t := range slList(body, "transactions") {
		txns = append(txns, getString(t, "amount")+" "+getString(t, "currency"))
	}
	if len(lines) > 0 {
		out["refund_line_items"] = strings.Join(lines, ",")
	}
	if len(txns) > 0 {
		out["transactions"] = strings.Join(txns, ",")
	}
	return out
}

func (x *shoplineSim) write(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("traceId", "sbx-sl-"+strconv.FormatInt(x.s.reqSeq.Add(1), 36))
	w.WriteHeader(status)
	w.Write(b)
}

// slList reads an array of objects; other elements are skipped.
func slList(m map[string]any, k string) []map[string]any {
	arr, _ := m[k].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, v := range arr {
		if o, ok := v.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// slMap reads an object, nil if absent.
func slMap(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}
