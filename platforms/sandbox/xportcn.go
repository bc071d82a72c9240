package sandbox

// Xportcn OpenAPI: the buyer-agent API at /api/open/... (the seed's curl
// calls https://www.xportcn.com/api/open/order/refund/queryList), verified
// and answered as platforms/xportcn reads the docs. Endpoints are in
// xportcn_api.go, the simulated seller and the deadlines in
// xportcn_moves.go, demo cases in xportcn_demo.go.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/platforms/xportcn"
)

// Default Xportcn credentials for dev mode and tests: the access key of a
// shop (our Xportcn account) is XportcnAccessKeyFor(shop), its secret
// DefaultXportcnAccessSecret.
const (
	DefaultXportcnAccessSecret = "sandbox-xportcn-secret"
	xportcnKeyPrefix           = "sandbox-xp-"
)

// XportcnAccessKeyFor returns the default access key of a shop.
func XportcnAccessKeyFor(shop string) string { return xportcnKeyPrefix + shop }

// xpSkew is how far a request timestamp may be from the sandbox clock
// ("request time vs UTC must not exceed 600 s").
const xpSkew = 600 * time.Second

// XportcnOptions configure the Xportcn simulator. The zero value is usable.
type XportcnOptions struct {
	// Keys maps access keys to their secret and shop. When nil, any
	// XportcnAccessKeyFor(shop) with DefaultXportcnAccessSecret is accepted.
	Keys map[string]XportcnKey
	// SignAlgorithm is the scheme signatures are checked with (the real one
	// is UNCONFIRMED); default xportcn.SignMD5. Clients must use the same.
	SignAlgorithm string
	// SellerAfter is how long the simulated Taobao seller takes to answer a
	// request or confirm a returned parcel. Default 30s; a case may set its
	// own (sandbox_seller_after, seconds).
	SellerAfter time.Duration
	// Limit is the request budget per access key. Xportcn documents no rate
	// limit (UNCONFIRMED), so the default is generous: 20/s, bursts of 40.
	// Over it, the answer is the envelope code 429. Rate < 0 disables it.
	Limit Limit
}

// XportcnKey is one registered access key.
type XportcnKey struct {
	Secret string
	Shop   string
}

type xportcnSim struct {
	s *Sandbox

	mu     sync.Mutex
	keys   map[string]XportcnKey
	anyKey bool // accept XportcnAccessKeyFor(shop) for any shop

	algorithm   string
	sellerAfter time.Duration
	limit       Limit
}

func newXportcn(s *Sandbox, opts XportcnOptions) *xportcnSim {
	x := &xportcnSim{
		s:           s,
		keys:        map[string]XportcnKey{},
		anyKey:      opts.Keys == nil,
		algorithm:   opts.SignAlgorithm,
		sellerAfter: opts.SellerAfter,
		limit:       opts.Limit,
	}
	for k, v := range opts.Keys {
		x.keys[k] = v
	}
	if x.algorithm == "" {
		x.algorithm = xportcn.SignMD5
	}
	if x.sellerAfter <= 0 {
		x.sellerAfter = 30 * time.Second
	}
	if x.limit == (Limit{}) {
		x.limit = Limit{Rate: 20, Burst: 40}
	}
	return x
}

// register adds an access key (app_key) and secret (app_secret) for a shop.
func (x *xportcnSim) register(c ShopCredentials) error {
	if c.AppKey == "" || c.AppSecret == "" {
		return fmt.Errorf("xportcn needs app_key (access key) and app_secret (access secret)")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.keys[c.AppKey] = XportcnKey{Secret: c.AppSecret, Shop: c.Shop}
	return nil
}

// xpEndpoint is one API endpoint of the simulator.
type xpEndpoint struct {
	path     string // under /api, as the platforms/xportcn constants
	mutating bool
	handle   func(c *xpCall) (any, *xpError)
}

// xpCall is one authenticated call.
type xpCall struct {
	path   string
	shop   string
	query  url.Values
	body   map[string]any
	logged bool // the handler logged its own action
	found  map[string]arrival
}

// xpError is an error envelope: code and msg. The real error-code table is
// UNCONFIRMED; the sandbox uses HTTP-like codes, which is what the client's
// conservative classification expects.
type xpError struct {
	Code int
	Msg  string
}

func (e *xpError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Msg) }

// violation reports whether the error blames the caller's protocol use
// (credentials, signature, timestamp, parameters).
func (e *xpError) violation() bool { return e.Code == 400 || e.Code == 401 || e.Code == 403 }

func xpBadParam(msg string) *xpError { return &xpError{Code: 400, Msg: msg} }

func (x *xportcnSim) routes(mux *http.ServeMux) {
	for _, ep := range []xpEndpoint{
		{path: xportcn.PathQueryList, handle: x.queryList},
		{path: xportcn.PathOrderPage, handle: x.orderPage},
		{path: xportcn.PathCancel, mutating: true, handle: x.cancel},
		{path: xportcn.PathShipReturn, mutating: true, handle: x.shipReturn},
	} {
		method := http.MethodPost
		if ep.path == xportcn.PathOrderPage || ep.path == xportcn.PathCancel {
			method = http.MethodGet
		}
		mux.HandleFunc(method+" /api"+ep.path, func(w http.ResponseWriter, r *http.Request) { x.serve(w, r, ep) })
	}
}

func (x *xportcnSim) serve(w http.ResponseWriter, r *http.Request, ep xpEndpoint) {
	x.s.calls.add(PlatformXportcn, ep.path)
	shop, key, xerr := x.authenticate(r.Header)
	if xerr != nil {
		x.s.calls.violation(PlatformXportcn)
		x.s.log.Debug("sandbox xportcn call rejected", "endpoint", ep.path, "error", xerr)
		x.writeError(w, xerr)
		return
	}
	c := &xpCall{path: ep.path, shop: shop, query: r.URL.Query()}
	if r.Method == http.MethodPost {
		body := map[string]any{}
		if err := xpReadBody(r, &body); err != nil {
			xerr := xpBadParam("request body must be a JSON object: " + err.Error())
			x.s.calls.violation(PlatformXportcn)
			if ep.mutating {
				x.logAction(c, xerr)
			}
			x.writeError(w, xerr)
			return
		}
		c.body = body
	}
	if ep.mutating {
		id := c.query.Get("refundId")
		if id == "" {
			id = getString(c.body, "refundId")
		}
		c.found = x.s.arrivals(PlatformXportcn, shop, id)
	}
	if x.s.overLimit(PlatformXportcn, key, x.limit) {
		xerr := &xpError{Code: 429, Msg: "request too frequent, please retry later"}
		if ep.mutating {
			x.logAction(c, fmt.Errorf("%v: not applied", xerr))
		}
		x.writeError(w, xerr)
		return
	}

	switch kind := x.s.pickFault(PlatformXportcn, ep.path); kind {
	case Fault429, Fault500, FaultMalformed:
		x.s.log.Info("sandbox fault", "platform", PlatformXportcn, "endpoint", ep.path, "kind", kind)
		if ep.mutating {
			x.logAction(c, fmt.Errorf("injected fault %s: not applied", kind))
		}
		switch kind {
		case Fault429:
			x.writeError(w, &xpError{Code: 429, Msg: "request too frequent, please retry later"})
		case Fault500:
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			fmt.Fprintf(w, `{"requestId":"%s","code":200,"msg":"成功","data":{"tot`, x.requestID())
		}
		return
	case FaultTimeout:
		x.s.log.Info("sandbox fault", "platform", PlatformXportcn, "endpoint", ep.path, "kind", kind)
		x.run(c, ep)
		hold(r.Context())
		panic(http.ErrAbortHandler) // drop the connection: no answer at all
	}

	data, xerr := x.run(c, ep)
	if xerr != nil {
		if xerr.violation() {
			x.s.calls.violation(PlatformXportcn)
		}
		x.writeError(w, xerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"requestId": x.requestID(), "code": 200, "developId": nil, "msg": "成功", "data": data,
	})
}

// authenticate checks the system headers as we read the docs: access-key,
// timestamp within 600 s, a 32-character nonce-str, then the signature.
// user-id is not signed and not checked. Every failure is code 401.
func (x *xportcnSim) authenticate(h http.Header) (shop, key string, err *xpError) {
	key = h.Get("access-key")
	if key == "" {
		return "", "", &xpError{Code: 401, Msg: "access-key is required"}
	}
	secret, shop, ok := x.resolveKey(key)
	if !ok {
		return "", "", &xpError{Code: 401, Msg: "access-key does not exist"}
	}
	ts := h.Get("timestamp")
	at, perr := xportcn.ParseTimestamp(x.algorithm, ts)
	if perr != nil {
		return "", "", &xpError{Code: 401, Msg: "timestamp is invalid"}
	}
	if skew := x.s.clock.Now().Sub(at); skew > xpSkew || skew < -xpSkew {
		return "", "", &xpError{Code: 401, Msg: "timestamp expired: more than 600 s away from the server time"}
	}
	nonce := h.Get("nonce-str")
	if len(nonce) != xportcn.NonceLength {
		return "", "", &xpError{Code: 401, Msg: "nonce-str must be 32 characters"}
	}
	want, serr := xportcn.Sign(x.algorithm, key, secret, ts, nonce)
	if serr != nil || !strings.EqualFold(h.Get("signature"), want) {
		return "", "", &xpError{Code: 401, Msg: "signature verification failed"}
	}
	return shop, key, nil
}

func (x *xportcnSim) resolveKey(key string) (secret, shop string, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if k, found := x.keys[key]; found {
		return k.Secret, k.Shop, true
	}
	if shop, found := strings.CutPrefix(key, xportcnKeyPrefix); found && x.anyKey && shop != "" {
		return DefaultXportcnAccessSecret, shop, true
	}
	return "", "", false
}

// run calls the endpoint and logs a mutating call the handler did not log.
func (x *xportcnSim) run(c *xpCall, ep xpEndpoint) (any, *xpError) {
	data, err := ep.handle(c)
	if ep.mutating && !c.logged {
		var e error
		if err != nil {
			e = err
		}
		x.logAction(c, e)
	}
	return data, err
}

func (x *xportcnSim) logAction(c *xpCall, err error) {
	c.logged = true
	params := map[string]string{}
	for k := range c.query {
		params[k] = c.query.Get(k)
	}
	for k := range c.body {
		params[k] = getString(c.body, k)
	}
	a := Action{
		Platform: PlatformXportcn,
		Shop:     c.shop,
		CaseID:   params["refundId"],
		Action:   c.path,
		Params:   params,
		At:       x.s.clock.Now(),
		OK:       err == nil,
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.setArrival(c.found)
	x.s.logAction(a)
}

func (x *xportcnSim) requestID() string {
	return fmt.Sprintf("sbx%x%06d", time.Now().UnixNano()%0xffffff, x.s.reqSeq.Add(1))
}

func (x *xportcnSim) writeError(w http.ResponseWriter, e *xpError) {
	writeJSON(w, http.StatusOK, map[string]any{
		"requestId": x.requestID(), "code": e.Code, "developId": nil, "msg": e.Msg, "data": nil,
	})
}

// xpReadBody decodes a JSON request body with UseNumber.
func xpReadBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return decodeJSON(raw, v)
}
