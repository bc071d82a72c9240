package sandbox

// Xiaoe access tokens: GET /token issues one per fetch; the previous tokens
// of the same credential stay valid 5 more minutes (PLATFORMS.md §3.1).

import (
	"crypto/rand"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms/xiaoe"
)

// xiaoeOldTokenGrace is how long a token outlives its replacement.
const xiaoeOldTokenGrace = 5 * time.Minute

type xiaoeToken struct {
	appID, clientID, shop string
	expires               time.Time
}

func (x *xiaoeSim) serveToken(w http.ResponseWriter, r *http.Request) {
	x.s.calls.add(PlatformXiaoe, xiaoeTokenAPI)
	if r.Method != http.MethodGet {
		x.fail(w, xiaoeTokenAPI, xeBadParam("请使用 GET"))
		return
	}
	q := r.URL.Query()
	for _, k := range []string{"app_id", "client_id", "secret_key", "grant_type"} {
		if q.Get(k) == "" {
			x.fail(w, xiaoeTokenAPI, xeBadParam("缺少 "+k))
			return
		}
	}
	if q.Get("grant_type") != "client_credential" {
		x.fail(w, xiaoeTokenAPI, xeBadParam("grant_type 须为 client_credential"))
		return
	}
	appID, clientID := q.Get("app_id"), q.Get("client_id")
	app, ok := x.app(appID)
	if !ok || app.ClientID != clientID || app.SecretKey != q.Get("secret_key") {
		x.fail(w, xiaoeTokenAPI, &xiaoeError{Code: xiaoe.CodeBadSecret, Msg: "invalid secret_key", violation: true})
		return
	}
	if x.s.overLimit(PlatformXiaoe, appID+"|"+clientID+"|"+xiaoeTokenAPI, xiaoeTokenLimit) {
		x.fail(w, xiaoeTokenAPI, &xiaoeError{Code: xiaoe.CodeRateLimited, Msg: "获取 access_token 过于频繁，10 分钟内最多 100 次"})
		return
	}
	switch kind := x.s.pickFault(PlatformXiaoe, xiaoeTokenAPI); kind {
	case Fault429, Fault500, FaultMalformed:
		x.s.log.Info("sandbox fault", "platform", PlatformXiaoe, "api", xiaoeTokenAPI, "kind", kind)
		x.writeFault(w, kind)
		return
	case FaultTimeout:
		x.s.log.Info("sandbox fault", "platform", PlatformXiaoe, "api", xiaoeTokenAPI, "kind", kind)
		x.issue(appID, clientID, app.Shop)
		hold(r.Context())
		panic(http.ErrAbortHandler)
	}
	tok := x.issue(appID, clientID, app.Shop)
	writeJSON(w, http.StatusOK, map[string]any{"code": xiaoe.CodeOK, "msg": "操作成功", "data": map[string]any{
		"access_token": tok,
		"expires_in":   int64(x.ttl / time.Second),
	}})
}

// issue creates a token for the credential; its earlier tokens expire
// xiaoeOldTokenGrace from now at the latest.
func (x *xiaoeSim) issue(appID, clientID, shop string) string {
	now := x.s.clock.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	for tok, t := range x.tokens {
		switch {
		case now.Sub(t.expires) > time.Hour:
			delete(x.tokens, tok) // long dead
		case t.appID == appID && t.clientID == clientID && t.expires.After(now.Add(xiaoeOldTokenGrace)):
			t.expires = now.Add(xiaoeOldTokenGrace)
		}
	}
	tok := "xe_" + rand.Text()
	x.tokens[tok] = &xiaoeToken{appID: appID, clientID: clientID, shop: shop, expires: now.Add(x.ttl)}
	return tok
}

// checkToken resolves a token to its app and shop. An unknown token is the
// caller's mistake; an expired one is normal life.
func (x *xiaoeSim) checkToken(tok string) (appID, shop string, err *xiaoeError) {
	now := x.s.clock.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.tokens[tok]
	switch {
	case !ok:
		return "", "", &xiaoeError{Code: xiaoe.CodeTokenInvalid, Msg: "access_token 无效", violation: true}
	case !now.Before(t.expires):
		return "", "", &xiaoeError{Code: xiaoe.CodeTokenInvalid, Msg: "access_token 已过期"}
	}
	return t.appID, t.shop, nil
}

// ExpireXiaoeTokens makes every Xiaoe access_token issued so far expire
// now, as if two hours had passed: a test hook for token recovery.
func (s *Sandbox) ExpireXiaoeTokens() {
	x := s.sims[PlatformXiaoe].(*xiaoeSim)
	now := s.clock.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, t := range x.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
	s.log.Info("sandbox Xiaoe tokens expired")
}
