package sandbox

// Xiaoe-tech (小鹅通) merchant API: GET /token, and JSON POSTs to
// /<api>/1.0.0 carrying access_token in the body, all answered with
// {code, msg, data} and HTTP 200. Tokens are in xiaoe_token.go, the
// after-sale endpoints in xiaoe_aftersale.go, the platform's own moves in
// xiaoe_moves.go. Error codes are the ones platforms/xiaoe documents
// (errors.go; mostly UNCONFIRMED conventions).

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// Default Xiaoe credentials for dev mode and tests: with them every shop
// works, its app_id being XiaoeAppIDFor(shop).
const (
	DefaultXiaoeClientID  = "sandbox-xe-client"
	DefaultXiaoeSecretKey = "sandbox-xe-secret"
	xiaoeAppPrefix        = "sandbox-xe-"
)

// XiaoeAppIDFor returns the default app_id of a shop (on Xiaoe, app_id is
// the shop).
func XiaoeAppIDFor(shop string) string { return xiaoeAppPrefix + shop }

// XiaoeOptions configure the Xiaoe-tech simulator.
type XiaoeOptions struct {
	// TokenTTL is the lifetime of an issued access_token. Default 2h, as
	// Xiaoe's expires_in 7200.
	TokenTTL time.Duration
	// RefundAfter is how long an (asynchronous) merchant refund takes to
	// complete: state 11 商家退款中 becomes 13 退款完成. Default 5s.
	RefundAfter time.Duration
	// Apps maps app_id to its credentials and shop. When nil, the default
	// credentials work for every shop (app_id XiaoeAppIDFor(shop),
	// DefaultXiaoeClientID, DefaultXiaoeSecretKey). POST /_sandbox/shops
	// adds apps: app_key is the app_id, session the client_id, app_secret
	// the secret_key.
	Apps map[string]XiaoeApp
}

// XiaoeApp is one Xiaoe credential and the shop it belongs to.
type XiaoeApp struct {
	Shop      string
	ClientID  string
	SecretKey string
}

// Xiaoe's documented budgets (PLATFORMS.md §3): 300 calls a minute per
// after-sale API, 100 per 10 s for xe.order.refund, 100 token fetches per
// 10 minutes; kept per app and endpoint.
var (
	xiaoeReadLimit   = Limit{Rate: 300.0 / 60, Burst: 300}
	xiaoeRefundLimit = Limit{Rate: 100.0 / 10, Burst: 100}
	xiaoeTokenLimit  = Limit{Rate: 100.0 / 600, Burst: 100}
)

// Xiaoe API names (the path is /<name>/1.0.0), as counted in /_sandbox/calls
// and matched by fault methods.
const (
	xiaoeTokenAPI = "token"
	xiaoeList     = "xe.ecommerce.after_sale.list"
	xiaoeDetail   = "xe.ecommerce.after_sale.detail"
	xiaoeRefund   = "xe.order.refund"
	xiaoeAPIVer   = "1.0.0"
)

type xiaoeSim struct {
	s           *Sandbox
	ttl         time.Duration
	refundAfter time.Duration
	anyShop     bool

	mu     sync.Mutex
	apps   map[string]XiaoeApp
	tokens map[string]*xiaoeToken
	seq    int64 // numbers refund ids

	apis map[string]xiaoeAPI
}

type xiaoeAPI struct {
	mutating bool
	limit    Limit
	handle   func(c *xiaoeCall) (any, *xiaoeError)
}

// xiaoeCall is one call that passed the token check.
type xiaoeCall struct {
	api    string
	appID  string
	shop   string
	body   map[string]any
	logged bool // the handler logged its own action
	found  map[string]arrival
}

// xiaoeError is an error envelope. violation marks the caller's protocol
// mistakes (counted in /_sandbox/calls), as opposed to business answers,
// limits, and tokens that merely expired.
type xiaoeError struct {
	Code      int
	Msg       string
	violation bool
}

func (e *xiaoeError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Msg) }

func xeBadParam(msg string) *xiaoeError {
	return &xiaoeError{Code: xiaoe.CodeBadParam, Msg: "参数错误: " + msg, violation: true}
}

func newXiaoe(s *Sandbox, opts XiaoeOptions) *xiaoeSim {
	x := &xiaoeSim{
		s:           s,
		ttl:         opts.TokenTTL,
		refundAfter: opts.RefundAfter,
		anyShop:     opts.Apps == nil,
		apps:        map[string]XiaoeApp{},
		tokens:      map[string]*xiaoeToken{},
	}
	if x.ttl <= 0 {
		x.ttl = 2 * time.Hour
	}
	if x.refundAfter <= 0 {
		x.refundAfter = 5 * time.Second
	}
	for id, app := range opts.Apps {
		x.apps[id] = app
	}
	x.apis = map[string]xiaoeAPI{
		xiaoeList:   {false, xiaoeReadLimit, x.list},
		xiaoeDetail: {false, xiaoeReadLimit, x.detail},
		xiaoeRefund: {true, xiaoeRefundLimit, x.refund},
	}
	return x
}

func (x *xiaoeSim) routes(mux *http.ServeMux) {
	mux.HandleFunc("/token", x.serveToken)
	for name, api := range x.apis {
		mux.HandleFunc("/"+name+"/"+xiaoeAPIVer, func(w http.ResponseWriter, r *http.Request) { x.serveAPI(w, r, name, api) })
	}
}

func (x *xiaoeSim) register(c ShopCredentials) error {
	if c.AppKey == "" || c.AppSecret == "" || c.Session == "" {
		return fmt.Errorf("xiaoe needs app_key (app_id), session (client_id) and app_secret (secret_key)")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apps[c.AppKey] = XiaoeApp{Shop: c.Shop, ClientID: c.Session, SecretKey: c.AppSecret}
	return nil
}

// app finds an app_id's credentials.
func (x *xiaoeSim) app(appID string) (XiaoeApp, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if a, ok := x.apps[appID]; ok {
		return a, true
	}
	if shop, ok := strings.CutPrefix(appID, xiaoeAppPrefix); ok && x.anyShop && shop != "" {
		return XiaoeApp{Shop: shop, ClientID: DefaultXiaoeClientID, SecretKey: DefaultXiaoeSecretKey}, true
	}
	return XiaoeApp{}, false
}

// serveAPI runs one after-sale API call: JSON body, token, rate limit,
// faults, then the handler.
func (x *xiaoeSim) serveAPI(w http.ResponseWriter, r *http.Request, name string, api xiaoeAPI) {
	x.s.calls.add(PlatformXiaoe, name)
	body, xerr := x.readBody(r)
	var c *xiaoeCall
	if xerr == nil {
		c, xerr = x.authenticate(name, body)
	}
	if xerr == nil && api.mutating {
		c.found = x.s.arrivals(PlatformXiaoe, c.shop, x.caseIDOf(c))
	}
	if xerr == nil && x.s.overLimit(PlatformXiaoe, c.appID+"|"+name, api.limit) {
		xerr = &xiaoeError{Code: xiaoe.CodeRateLimited, Msg: "请求过于频繁，请稍后再试"}
		if api.mutating { // it passed auth: logged, though not applied
			x.logAction(c, x.caseIDOf(c), xerr)
		}
	}
	if xerr != nil {
		x.fail(w, name, xerr)
		return
	}

	switch kind := x.s.pickFault(PlatformXiaoe, name); kind {
	case Fault429, Fault500, FaultMalformed:
		x.s.log.Info("sandbox fault", "platform", PlatformXiaoe, "api", name, "kind", kind)
		if api.mutating {
			x.logAction(c, x.caseIDOf(c), fmt.Errorf("injected fault %s: not applied", kind))
		}
		x.writeFault(w, kind)
		return
	case FaultTimeout:
		x.s.log.Info("sandbox fault", "platform", PlatformXiaoe, "api", name, "kind", kind)
		x.run(c, api)
		hold(r.Context())
		panic(http.ErrAbortHandler) // drop the connection: no answer at all
	}

	data, xerr := x.run(c, api)
	if xerr != nil {
		x.fail(w, name, xerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": xiaoe.CodeOK, "msg": "操作成功", "data": data})
}

// readBody decodes a POST's JSON object.
func (x *xiaoeSim) readBody(r *http.Request) (map[string]any, *xiaoeError) {
	if r.Method != http.MethodPost {
		return nil, xeBadParam("请使用 POST")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return nil, xeBadParam("Content-Type 须为 application/json")
	}
	var body map[string]any
	raw, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err == nil {
		err = decodeJSON(raw, &body)
	}
	if err != nil || body == nil {
		return nil, xeBadParam("请求体须为 JSON 对象")
	}
	return body, nil
}

// authenticate checks the access_token in the body.
func (x *xiaoeSim) authenticate(name string, body map[string]any) (*xiaoeCall, *xiaoeError) {
	tok := getString(body, "access_token")
	if tok == "" {
		return nil, &xiaoeError{Code: xiaoe.CodeTokenInvalid, Msg: "access_token 不能为空", violation: true}
	}
	appID, shop, xerr := x.checkToken(tok)
	if xerr != nil {
		return nil, xerr
	}
	return &xiaoeCall{api: name, appID: appID, shop: shop, body: body}, nil
}

// run calls the handler and logs a mutating call it did not log itself.
func (x *xiaoeSim) run(c *xiaoeCall, api xiaoeAPI) (any, *xiaoeError) {
	data, xerr := api.handle(c)
	if api.mutating && !c.logged {
		var e error
		if xerr != nil {
			e = xerr
		}
		x.logAction(c, x.caseIDOf(c), e)
	}
	return data, xerr
}

// caseIDOf names the application a mutating call is about, leniently; ""
// if none matches.
func (x *xiaoeSim) caseIDOf(c *xiaoeCall) string {
	if id := getString(c.body, "aftersale_id"); id != "" {
		return id
	}
	x.s.touch()
	defer x.s.mu.Unlock()
	if r, _ := x.refundTarget(c.shop, getString(c.body, "order_id"), getString(c.body, "sku_id")); r != nil {
		return r.id
	}
	return ""
}

func (x *xiaoeSim) logAction(c *xiaoeCall, caseID string, err error) {
	c.logged = true
	params := map[string]string{}
	for k := range c.body {
		switch k {
		case "access_token":
			continue
		case "user_phone": // personal data
			params[k] = "***"
		default:
			params[k] = getString(c.body, k)
		}
	}
	a := Action{Platform: PlatformXiaoe, Shop: c.shop, CaseID: caseID, Action: c.api, Params: params, At: x.s.clock.Now(), OK: err == nil}
	if err != nil {
		a.Error = err.Error()
	}
	a.setArrival(c.found)
	x.s.logAction(a)
}

func (x *xiaoeSim) fail(w http.ResponseWriter, name string, e *xiaoeError) {
	if e.violation {
		x.s.calls.violation(PlatformXiaoe)
	}
	x.s.log.Debug("sandbox Xiaoe call rejected", "api", name, "code", e.Code, "msg", e.Msg)
	writeJSON(w, http.StatusOK, map[string]any{"code": e.Code, "msg": e.Msg, "data": map[string]any{}})
}

func (x *xiaoeSim) writeFault(w http.ResponseWriter, kind string) {
	switch kind {
	case Fault429:
		writeJSON(w, http.StatusOK, map[string]any{"code": xiaoe.CodeRateLimited, "msg": "请求过于频繁，请稍后再试", "data": map[string]any{}})
	case Fault500:
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		fmt.Fprint(w, `{"code":0,"msg":"操作成功","data":{"li`)
	}
}
