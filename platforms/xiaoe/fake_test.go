package xiaoe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testAppID    = "app-test"
	testClientID = "xop-test"
	testSecret   = "secret-xyz-123"
)

// fakeXiaoe answers /token and the POST APIs after checking what the real
// platform checks: credentials, method, JSON body, a valid access_token.
type fakeXiaoe struct {
	t          *testing.T
	tokenDelay time.Duration
	expiresIn  int
	// answer gives the reply of the nth call of an API whose token passed.
	answer func(api string, n int, body map[string]any) (status int, reply string)

	srvURL string

	mu       sync.Mutex
	requests int // token requests, answered or not
	fetches  int // tokens issued
	valid    map[string]bool
	calls    map[string]int
	issued   []string
}

func (f *fakeXiaoe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		f.token(w, r)
		return
	}
	api, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/1.0.0")
	if !ok || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var body map[string]any
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	if err := d.Decode(&body); err != nil {
		f.t.Errorf("body: %v", err)
	}
	f.mu.Lock()
	ok = f.valid[fmt.Sprint(body["access_token"])]
	if ok {
		f.calls[api]++
	}
	n := f.calls[api]
	f.mu.Unlock()
	if !ok {
		fmt.Fprint(w, `{"code":2008,"msg":"access_token 已过期","data":{}}`)
		return
	}
	delete(body, "access_token")
	status, reply := f.answer(api, n, body)
	w.WriteHeader(status)
	fmt.Fprint(w, reply)
}

func (f *fakeXiaoe) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" || q.Get("app_id") != testAppID || q.Get("client_id") != testClientID {
		f.t.Errorf("token request %s %s", r.Method, r.URL.RawQuery)
	}
	if q.Get("secret_key") != testSecret {
		fmt.Fprint(w, `{"code":2001,"msg":"invalid secret_key","data":{}}`)
		return
	}
	time.Sleep(f.tokenDelay)
	f.mu.Lock()
	f.fetches++
	tok := fmt.Sprintf("tok-%d", f.fetches)
	f.valid[tok] = true
	f.issued = append(f.issued, tok)
	f.mu.Unlock()
	fmt.Fprintf(w, `{"code":0,"msg":"ok","data":{"access_token":%q,"expires_in":%d}}`, tok, f.expiresIn)
}

func (f *fakeXiaoe) fetchCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches
}

func (f *fakeXiaoe) tokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *fakeXiaoe) url(*testing.T) string { return f.srvURL }

func (f *fakeXiaoe) count(api string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[api]
}

// expireAll makes every token issued so far invalid.
func (f *fakeXiaoe) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFake starts a fake Xiaoe and a client for it on a test clock. At the
// end it checks that no secret or token reached the logs.
func newFake(t *testing.T, answer func(api string, n int, body map[string]any) (int, string)) (*Client, *fakeXiaoe, *testClock) {
	t.Helper()
	f := &fakeXiaoe{t: t, answer: answer, expiresIn: 7200, valid: map[string]bool{}, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.srvURL = srv.URL
	clock := &testClock{t: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	logs := &syncBuffer{}
	c := New(Config{
		Gateway: srv.URL, AppID: testAppID, ClientID: testClientID, SecretKey: testSecret, Shop: "xe-shop",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    clock.Now, Timeout: 2 * time.Second,
	})
	c.http.RetryWaitMin, c.http.RetryWaitMax = time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() {
		out := logs.String()
		f.mu.Lock()
		secrets := append([]string{testSecret}, f.issued...)
		f.mu.Unlock()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("logs contain secret %q:\n%s", s, out)
			}
		}
	})
	return c, f, clock
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// detailReply is a detail answer for an application awaiting the merchant.
func detailReply(id string, over map[string]any) string {
	var m map[string]any
	json.Unmarshal([]byte(base), &m)
	m["aftersale_id"] = id
	for k, v := range over {
		m[k] = v
	}
	b, _ := json.Marshal(map[string]any{"code": 0, "msg": "操作成功", "data": m})
	return string(b)
}
