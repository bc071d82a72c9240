package xiaoe

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/aftersale/aftersale/platforms"
)

// Xiaoe's token rules (PLATFORMS.md §3.1): a token lives expires_in seconds
// (7200), at most 100 fetches per 10 minutes, and every fetch invalidates
// the previous token 5 minutes later. So each credential gets exactly one
// tokenSource per process, shared by every Client built for it: it caches
// the token, refreshes ahead of expiry, and collapses concurrent fetches into
// one. Workers in other processes fetch their own; keep few workers per
// credential (each fetch starts the 5-minute clock on the others' token,
// which they then recover from with one re-fetch).
const (
	// refreshAt is the fraction of the lifetime after which a call triggers
	// a background refresh while the current token stays in use.
	refreshAt = 0.8
	// expirySlack: a token this close to its expiry is not handed out.
	expirySlack = 30 * time.Second
	// fetchBudget fetches per fetchWindow is Xiaoe's limit.
	fetchBudget = 100
	fetchWindow = 10 * time.Minute
	// failureBackoff is how long a failed fetch is not repeated, so that a
	// burst of calls does not hammer /token; credentials Xiaoe rejected are
	// not retried for authBackoff (they need a person anyway).
	failureBackoff = 2 * time.Second
	authBackoff    = time.Minute
	// maxTokenTTL caps the expires_in we believe (Xiaoe documents 7200 s);
	// a token rejected before then is re-fetched anyway.
	maxTokenTTL = 24 * time.Hour
)

type tokenKey struct{ tokenURL, appID, clientID, secret string }

// sources holds the one tokenSource per credential of this process.
var sources = struct {
	sync.Mutex
	m map[tokenKey]*tokenSource
}{m: map[tokenKey]*tokenSource{}}

// tokenSource fetches and caches one credential's access_token.
type tokenSource struct {
	key  tokenKey
	http *retryablehttp.Client
	now  func() time.Time
	log  *slog.Logger

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	expires   time.Time
	flight    *tokenFlight
	fetches   []time.Time // within the last fetchWindow
	lastErr   error
	nextTry   time.Time
}

// tokenFlight is one fetch in progress; every caller that needs a token
// meanwhile waits for it.
type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
}

// sharedTokenSource returns the process's token source for the credential,
// creating it with hc, now and log on first use.
func sharedTokenSource(key tokenKey, hc *retryablehttp.Client, now func() time.Time, log *slog.Logger) *tokenSource {
	sources.Lock()
	defer sources.Unlock()
	if ts, ok := sources.m[key]; ok {
		return ts
	}
	ts := &tokenSource{key: key, http: hc, now: now, log: log}
	sources.m[key] = ts
	return ts
}

// Token returns a valid access_token, fetching one only when there is none
// or it is about to expire. Past refreshAt of its lifetime the current token
// is still returned while one background fetch replaces it.
func (ts *tokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	now := ts.now()
	if ts.token != "" && now.Before(ts.expires.Add(-expirySlack)) {
		tok := ts.token
		if !now.Before(ts.refreshAt) {
			ts.startLocked(now) // best effort: on failure the next call tries again
		}
		ts.mu.Unlock()
		return tok, nil
	}
	f, err := ts.startLocked(now)
	ts.mu.Unlock()
	if err != nil {
		return "", err
	}
	return f.wait(ctx)
}

// Refresh replaces a token Xiaoe rejected. When another caller already
// replaced it, the newer token is returned without a fetch, so a burst of
// rejections costs one fetch.
func (ts *tokenSource) Refresh(ctx context.Context, rejected string) (string, error) {
	ts.mu.Lock()
	now := ts.now()
	if ts.token == rejected {
		ts.token = ""
	} else if ts.token != "" && now.Before(ts.expires.Add(-expirySlack)) {
		tok := ts.token
		ts.mu.Unlock()
		return tok, nil
	}
	f, err := ts.startLocked(now)
	ts.mu.Unlock()
	if err != nil {
		return "", err
	}
	return f.wait(ctx)
}

// startLocked joins the fetch in flight or starts one, within Xiaoe's fetch
// budget. Called with ts.mu held.
func (ts *tokenSource) startLocked(now time.Time) (*tokenFlight, error) {
	if ts.flight != nil {
		return ts.flight, nil
	}
	if now.Before(ts.nextTry) && ts.lastErr != nil {
		return nil, ts.lastErr
	}
	kept := ts.fetches[:0]
	for _, at := range ts.fetches {
		if now.Sub(at) < fetchWindow {
			kept = append(kept, at)
		}
	}
	ts.fetches = kept
	if len(ts.fetches) >= fetchBudget {
		e := xeErr(platforms.ErrRateLimited, "token_budget",
			fmt.Sprintf("token: %d fetches in the last %s, Xiaoe's limit", fetchBudget, fetchWindow))
		e.RetryAfter = ts.fetches[0].Add(fetchWindow).Sub(now)
		return nil, e
	}
	ts.fetches = append(ts.fetches, now)
	f := &tokenFlight{done: make(chan struct{})}
	ts.flight = f
	go ts.fetch(f, now)
	return f, nil
}

// fetch runs one GET /token. It is detached from the callers' contexts: one
// caller giving up must not fail the others waiting on the same fetch.
func (ts *tokenSource) fetch(f *tokenFlight, started time.Time) {
	ctx, cancel := context.WithTimeout(withEndpoint(context.Background(), endpointToken), time.Minute)
	defer cancel()
	tok, ttl, err := ts.get(ctx)

	ts.mu.Lock()
	ts.flight = nil
	if err != nil {
		wait := failureBackoff
		if pe, ok := err.(*platforms.Error); ok {
			switch {
			case pe.Kind == platforms.ErrAuth:
				wait = authBackoff
			case pe.RetryAfter > wait:
				wait = pe.RetryAfter
			}
		}
		ts.lastErr, ts.nextTry = err, ts.now().Add(wait)
		ts.log.Warn("xiaoe: access_token fetch failed", "kind", platforms.KindOf(err), "error", err)
	} else {
		// Timed from before the request: the token may be older than it looks.
		ts.token, ts.lastErr = tok, nil
		ts.expires = started.Add(ttl)
		ts.refreshAt = started.Add(time.Duration(float64(ttl) * refreshAt))
		ts.log.Info("xiaoe: access_token fetched", "expires_in", ttl)
	}
	f.token, f.err = tok, err
	ts.mu.Unlock()
	close(f.done)
}

// get calls GET /token?app_id&client_id&secret_key&grant_type=client_credential.
func (ts *tokenSource) get(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{
		"app_id":     {ts.key.appID},
		"client_id":  {ts.key.clientID},
		"secret_key": {ts.key.secret},
		"grant_type": {"client_credential"},
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, ts.key.tokenURL+"?"+q.Encode(), nil)
	if err != nil {
		return "", 0, xeErr(platforms.ErrInvalid, "request", "token: "+err.Error())
	}
	resp, err := ts.http.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	var data struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := answer(ctx, endpointToken, resp, err, &data); err != nil {
		return "", 0, err
	}
	secs, err := data.ExpiresIn.Int64()
	if data.AccessToken == "" || err != nil || secs <= 0 {
		return "", 0, xeErr(platforms.ErrMalformed, "json", "token: answer lacks access_token or expires_in")
	}
	// A longer lifetime is read as maxTokenTTL: seconds beyond 292 years
	// would overflow time.Duration into a token that is born expired.
	ttl := maxTokenTTL
	if secs < int64(maxTokenTTL/time.Second) {
		ttl = time.Duration(secs) * time.Second
	}
	return data.AccessToken, ttl, nil
}

func (f *tokenFlight) wait(ctx context.Context) (string, error) {
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
