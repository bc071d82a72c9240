package sandbox

// TOP (Taobao/Tmall) gateway: POST /router/rest, verified and answered as
// docs/top-wire.md describes. Methods are in top_refund.go, the platform's
// own moves in top_moves.go; Tmall exchanges in top_exchange*.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/platforms/taobao"
)

// Default TOP credentials for dev mode and tests.
const (
	DefaultTOPAppKey    = "sandbox-app"
	DefaultTOPAppSecret = "sandbox-secret"
	topSessionPrefix    = "sandbox-session-"
)

// TOPSessionFor returns the default session of a shop.
func TOPSessionFor(shop string) string { return topSessionPrefix + shop }

// topLayout is TOP's timestamp format, read in GMT+8.
const topLayout = "2006-01-02 15:04:05"

// cst is GMT+8 without tzdata, as TOP reads timestamps.
var cst = time.FixedZone("CST", 8*3600)

// topSkew is how far a request timestamp may be from the sandbox clock.
const topSkew = 10 * time.Minute

// topSystemParams are the gateway's own parameters, not logged as business
// params.
var topSystemParams = map[string]bool{
	"method": true, "app_key": true, "session": true, "timestamp": true, "format": true,
	"v": true, "sign_method": true, "sign": true, "partner_id": true, "target_app_key": true,
	"simplify": true,
}

type topSim struct {
	s *Sandbox

	mu       sync.Mutex
	apps     map[string]string     // app_key → secret
	sessions map[string]topSession // session → shop
	anyShop  bool                  // accept TOPSessionFor(shop) for any shop

	methods map[string]topMethod
	tmc     tmcQueue
}

type topSession struct{ shop, appKey string }

type topMethod struct {
	mutating bool
	handle   func(c *topCall) (map[string]any, *topError)
}

// topCall is one authenticated call.
type topCall struct {
	method string
	shop   string
	params url.Values
	logged bool // the handler logged its own actions
	// found is what a mutating call found for each case it names (arrival.go).
	found map[string]arrival
}

func newTOP(s *Sandbox, apps, sessions map[string]string) *topSim {
	t := &topSim{
		s:        s,
		apps:     map[string]string{DefaultTOPAppKey: DefaultTOPAppSecret},
		sessions: map[string]topSession{},
		anyShop:  sessions == nil,
	}
	for k, v := range apps {
		t.apps[k] = v
	}
	for sess, shop := range sessions {
		t.sessions[sess] = topSession{shop: shop}
	}
	t.methods = map[string]topMethod{
		"taobao.refunds.receive.get":  {false, t.receiveGet},
		"taobao.refund.get":           {false, t.refundGet},
		"taobao.tmc.messages.consume": {false, t.tmcConsume},
		"taobao.tmc.messages.confirm": {false, t.tmcConfirm},
		"taobao.rp.refunds.agree":     {true, t.refundsAgree},
		"taobao.refund.refuse":        {true, t.refundRefuse},
		"taobao.rp.returngoods.agree": {true, t.returnGoodsAgree},
		// Tmall exchanges: top_exchange_api.go.
		"tmall.exchange.receive.get":       {false, t.exchangeReceiveGet},
		"tmall.exchange.get":               {false, t.exchangeGet},
		"tmall.exchange.refusereason.get":  {false, t.exchangeRefuseReasons},
		"tmall.exchange.agree":             {true, t.exchangeAgree},
		"tmall.exchange.refuse":            {true, t.exchangeRefuse},
		"tmall.exchange.returngoods.agree": {true, t.exchangeReturnGoodsAgree},
		"tmall.exchange.consigngoods":      {true, t.exchangeConsignGoods},
	}
	return t
}

func (t *topSim) routes(mux *http.ServeMux) {
	mux.HandleFunc("/router/rest", t.serve)
}

func (t *topSim) register(c ShopCredentials) error {
	if (c.AppKey == "") != (c.AppSecret == "") {
		return fmt.Errorf("app_key and app_secret go together")
	}
	if c.AppKey == "" && c.Session == "" {
		return fmt.Errorf("nothing to register: give app_key/app_secret and/or session")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.AppKey != "" {
		t.apps[c.AppKey] = c.AppSecret
	}
	if c.Session != "" {
		t.sessions[c.Session] = topSession{shop: c.Shop, appKey: c.AppKey}
	}
	return nil
}

// topError is TOP's error_response.
type topError struct {
	Code    int
	Msg     string
	SubCode string
	SubMsg  string
}

func (e *topError) Error() string {
	if e.SubCode != "" {
		return fmt.Sprintf("%d %s: %s %s", e.Code, e.Msg, e.SubCode, e.SubMsg)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Msg)
}

// violation reports whether the error blames the caller's protocol use
// rather than the business state or the platform.
func (e *topError) violation() bool { return e.Code >= 20 && e.Code <= 47 }

func topErr(code int, msg string) *topError { return &topError{Code: code, Msg: msg} }

func errMissingArg(name string) *topError {
	return &topError{Code: 40, Msg: "Missing required arguments:" + name,
		SubCode: "isv.missing-parameter", SubMsg: "missing " + name}
}

func errInvalidArg(name, why string) *topError {
	return &topError{Code: 41, Msg: "Invalid arguments:" + name,
		SubCode: "isv.invalid-parameter", SubMsg: why}
}

// errRefund is a business refusal (code 15, isv.* sub_code).
func errRefund(subCode, subMsg string) *topError {
	return &topError{Code: 15, Msg: "Remote service error", SubCode: subCode, SubMsg: subMsg}
}

func (t *topSim) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		t.s.calls.add(PlatformTaobao, "")
		t.s.calls.violation(PlatformTaobao)
		t.writeError(w, errInvalidArg("body", err.Error()))
		return
	}
	p := r.Form
	method := p.Get("method")
	t.s.calls.add(PlatformTaobao, method)

	shop, m, terr := t.authenticate(p)
	if terr != nil {
		t.s.calls.violation(PlatformTaobao)
		t.s.log.Debug("sandbox TOP call rejected", "method", method, "error", terr)
		t.writeError(w, terr)
		return
	}
	c := &topCall{method: method, shop: shop, params: p}
	if m.mutating {
		c.found = t.s.arrivals(PlatformTaobao, shop, topCaseIDs(p)...)
	}

	switch kind := t.s.pickFault(PlatformTaobao, method); kind {
	case Fault429, Fault500, FaultMalformed:
		t.s.log.Info("sandbox fault", "platform", PlatformTaobao, "method", method, "kind", kind)
		if m.mutating {
			for _, id := range topCaseIDs(p) {
				t.logAction(c, id, fmt.Errorf("injected fault %s: not applied", kind))
			}
		}
		switch kind {
		case Fault429:
			t.writeError(w, &topError{Code: 7, Msg: "App Call Limited",
				SubCode: "accesscontrol.limited-by-app-access-count",
				SubMsg:  "This ban will last for 1 more seconds"})
		case Fault500:
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			fmt.Fprintf(w, `{"%s":{"request_id":"%s","refu`, topRoot(method), t.requestID())
		}
		return
	case FaultTimeout:
		t.s.log.Info("sandbox fault", "platform", PlatformTaobao, "method", method, "kind", kind)
		t.run(c, m)
		hold(r.Context())
		panic(http.ErrAbortHandler) // drop the connection: no answer at all
	}

	body, terr := t.run(c, m)
	if terr != nil {
		if terr.violation() {
			t.s.calls.violation(PlatformTaobao)
		}
		t.writeError(w, terr)
		return
	}
	body["request_id"] = t.requestID()
	writeJSON(w, http.StatusOK, map[string]any{topRoot(method): body})
}

// authenticate checks a call exactly as the TOP gateway does, in its
// order: app key, signature, timestamp, session, method.
func (t *topSim) authenticate(p url.Values) (shop string, m topMethod, err *topError) {
	appKey := p.Get("app_key")
	if appKey == "" {
		return "", m, topErr(28, "Missing app key")
	}
	t.mu.Lock()
	secret, ok := t.apps[appKey]
	t.mu.Unlock()
	if !ok {
		return "", m, topErr(29, "Invalid app key")
	}

	sign := p.Get("sign")
	if sign == "" {
		return "", m, &topError{Code: 25, Msg: "Invalid signature", SubMsg: "missing sign"}
	}
	want, serr := taobao.Sign(p, secret, p.Get("sign_method"))
	if serr != nil {
		return "", m, &topError{Code: 25, Msg: "Invalid signature", SubMsg: serr.Error()}
	}
	if !strings.EqualFold(sign, want) {
		return "", m, topErr(25, "Invalid signature")
	}

	ts, terr := time.ParseInLocation(topLayout, p.Get("timestamp"), cst)
	if terr != nil {
		return "", m, &topError{Code: 31, Msg: "Invalid timestamp", SubMsg: "timestamp must be yyyy-MM-dd HH:mm:ss in GMT+8"}
	}
	if skew := t.s.clock.Now().Sub(ts); skew > topSkew || skew < -topSkew {
		return "", m, &topError{Code: 31, Msg: "Invalid timestamp",
			SubMsg: "timestamp is more than 10 minutes away from the server time"}
	}

	session := p.Get("session")
	if session == "" {
		return "", m, topErr(26, "Missing session")
	}
	shop, ok = t.resolveSession(session, appKey)
	if !ok {
		return "", m, topErr(27, "Invalid session")
	}

	m, ok = t.methods[p.Get("method")]
	if !ok {
		return "", m, topErr(22, "Invalid method")
	}
	return shop, m, nil
}

func (t *topSim) resolveSession(session, appKey string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.sessions[session]; ok {
		return s.shop, s.appKey == "" || s.appKey == appKey
	}
	if shop, ok := strings.CutPrefix(session, topSessionPrefix); ok && t.anyShop && shop != "" {
		return shop, true
	}
	return "", false
}

// run calls the method and logs mutating calls the handler did not log.
func (t *topSim) run(c *topCall, m topMethod) (map[string]any, *topError) {
	body, err := m.handle(c)
	if m.mutating && !c.logged {
		var e error
		if err != nil {
			e = err
		}
		for _, id := range topCaseIDs(c.params) {
			t.logAction(c, id, e)
		}
	}
	return body, err
}

func (t *topSim) logAction(c *topCall, caseID string, err error) {
	c.logged = true
	a := Action{
		Platform: PlatformTaobao,
		Shop:     c.shop,
		CaseID:   caseID,
		Action:   c.method,
		Params:   topBusinessParams(c.params),
		At:       t.s.clock.Now(),
		OK:       err == nil,
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.setArrival(c.found)
	t.s.logAction(a)
}

// topCaseIDs names the cases a call is about, leniently: refund_id, the
// ids in refund_infos, or an exchange's dispute_id as "exchange-<id>" (its
// store and Case id); [""] if none.
func topCaseIDs(p url.Values) []string {
	if id := p.Get("refund_id"); id != "" {
		return []string{id}
	}
	if id := p.Get("dispute_id"); id != "" {
		return []string{topExchangePrefix + id}
	}
	var ids []string
	for part := range strings.SplitSeq(p.Get("refund_infos"), ",") {
		if id, _, _ := strings.Cut(strings.TrimSpace(part), "|"); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return []string{""}
	}
	return ids
}

// topBusinessParams are the call's parameters minus the gateway's own
// (credentials, session, signature); the SMS code is masked.
func topBusinessParams(p url.Values) map[string]string {
	out := map[string]string{}
	for k := range p {
		if topSystemParams[k] {
			continue
		}
		out[k] = p.Get(k)
		if k == "code" && out[k] != "" {
			out[k] = "***"
		}
	}
	return out
}

// topRoot is the answer's root key: taobao.refund.get → refund_get_response.
func topRoot(method string) string {
	return strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
}

func (t *topSim) requestID() string {
	return "sbx" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36) + strconv.FormatInt(t.s.reqSeq.Add(1), 36)
}

func (t *topSim) writeError(w http.ResponseWriter, e *topError) {
	body := map[string]any{"code": e.Code, "msg": e.Msg, "request_id": t.requestID()}
	if e.SubCode != "" {
		body["sub_code"] = e.SubCode
	}
	if e.SubMsg != "" {
		body["sub_msg"] = e.SubMsg
	}
	writeJSON(w, http.StatusOK, map[string]any{"error_response": body})
}

// topTime formats t as TOP does (GMT+8, seconds).
func topTime(t time.Time) string { return t.In(cst).Format(topLayout) }

func parseTOPTime(s string) (time.Time, error) { return time.ParseInLocation(topLayout, s, cst) }

// topNumber turns a decimal id into a JSON number.
func topNumber(s string) json.Number { return json.Number(s) }
