package xiaoe

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

func detailOK(api string, n int, body map[string]any) (int, string) {
	return 200, detailReply(body["aftersale_id"].(string), nil)
}

// getConcurrently runs n Gets at once and fails on any error.
func getConcurrently(t *testing.T, c *Client, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), "A1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestFiftyConcurrentCallsFetchOneToken(t *testing.T) {
	c, f, _ := newFake(t, detailOK)
	f.tokenDelay = 50 * time.Millisecond // every caller arrives while the fetch is in flight
	getConcurrently(t, c, 50)
	want(t, "token fetches", f.fetchCount(), 1)
	want(t, "detail calls", f.count(endpointDetail), 50)

	// The cached token serves later calls too.
	getConcurrently(t, c, 10)
	want(t, "token fetches", f.fetchCount(), 1)
}

func TestExpiredTokenIsRecoveredWithOneRefetch(t *testing.T) {
	c, f, _ := newFake(t, detailOK)
	getConcurrently(t, c, 1)
	want(t, "token fetches", f.fetchCount(), 1)

	f.expireAll() // Xiaoe answers 2008 to tok-1 from now on
	f.tokenDelay = 50 * time.Millisecond
	getConcurrently(t, c, 20)
	want(t, "token fetches", f.fetchCount(), 2)
	want(t, "detail calls", f.count(endpointDetail), 21)
}

func TestTokenRejectedAfterRefetchIsAuth(t *testing.T) {
	c, f, _ := newFake(t, func(api string, n int, body map[string]any) (int, string) {
		return 200, `{"code":2008,"msg":"access_token 无效","data":{}}`
	})
	_, err := c.Get(context.Background(), "A1")
	var pe *platforms.Error
	if !errors.As(err, &pe) || pe.Kind != platforms.ErrAuth || pe.Code != "2008" {
		t.Fatalf("err = %v, want auth 2008", err)
	}
	want(t, "token fetches", f.fetchCount(), 2) // the first, and one re-fetch
}

func TestTokenRefreshedAheadOfExpiry(t *testing.T) {
	c, f, clock := newFake(t, detailOK)
	getConcurrently(t, c, 1)

	clock.Add(5800 * time.Second) // past 80% of 7200 s
	getConcurrently(t, c, 1)      // served with tok-1, refreshes in the background
	deadline := time.Now().Add(2 * time.Second)
	for f.fetchCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	want(t, "token fetches", f.fetchCount(), 2)
	waitNoFlight(t, c.tokens)

	// tok-1 is no longer needed: calls use tok-2 without any re-fetch.
	f.mu.Lock()
	delete(f.valid, "tok-1")
	f.mu.Unlock()
	getConcurrently(t, c, 5)
	want(t, "token fetches", f.fetchCount(), 2)
	want(t, "detail calls", f.count(endpointDetail), 7)
}

func TestExpiredCacheFetchesBeforeCalling(t *testing.T) {
	c, f, clock := newFake(t, detailOK)
	getConcurrently(t, c, 1)
	clock.Add(2 * time.Hour)
	f.expireAll()
	getConcurrently(t, c, 1)
	want(t, "token fetches", f.fetchCount(), 2)
	want(t, "detail calls", f.count(endpointDetail), 2) // no call went out with the dead token
}

func TestTokenFetchBudget(t *testing.T) {
	c, f, clock := newFake(t, detailOK)
	ctx := context.Background()
	ts := c.tokens
	tok, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range fetchBudget - 1 {
		if tok, err = ts.Refresh(ctx, tok); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Second)
	}
	want(t, "token fetches", f.fetchCount(), fetchBudget)

	_, err = ts.Refresh(ctx, tok)
	var pe *platforms.Error
	if !errors.As(err, &pe) || pe.Kind != platforms.ErrRateLimited {
		t.Fatalf("fetch %d: err = %v, want rate_limited", fetchBudget+1, err)
	}
	if pe.RetryAfter <= 8*time.Minute || pe.RetryAfter > fetchWindow {
		t.Errorf("RetryAfter = %s, want what is left of the first fetch's window", pe.RetryAfter)
	}
	want(t, "token fetches", f.fetchCount(), fetchBudget)

	clock.Add(pe.RetryAfter)
	if _, err := ts.Refresh(ctx, tok); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	want(t, "token fetches", f.fetchCount(), fetchBudget+1)
}

func TestWrongSecretIsAuth(t *testing.T) {
	_, f, clock := newFake(t, detailOK)
	c := New(Config{Gateway: f.url(t), AppID: testAppID, ClientID: testClientID, SecretKey: "wrong", Shop: "xe-shop", Now: clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	_, err := c.Get(context.Background(), "A1")
	var pe *platforms.Error
	if !errors.As(err, &pe) || pe.Kind != platforms.ErrAuth || pe.Code != "2001" {
		t.Fatalf("err = %v, want auth 2001", err)
	}
	// A failed fetch is not repeated at once by the next caller.
	_, err2 := c.Get(context.Background(), "A1")
	if platforms.KindOf(err2) != platforms.ErrAuth {
		t.Fatalf("second call: %v", err2)
	}
	want(t, "token requests", f.tokenRequests(), 1)
}

func TestTokenSourceIsSharedPerCredential(t *testing.T) {
	c1, f, _ := newFake(t, detailOK)
	c2 := New(Config{Gateway: f.url(t), AppID: testAppID, ClientID: testClientID, SecretKey: testSecret, Shop: "other-name"})
	c3 := New(Config{Gateway: f.url(t), AppID: testAppID, ClientID: testClientID, SecretKey: "other-secret", Shop: "xe-shop"})
	if c1.tokens != c2.tokens {
		t.Error("two clients of one credential have two token sources")
	}
	if c1.tokens == c3.tokens {
		t.Error("clients of different credentials share a token source")
	}
	getConcurrently(t, c1, 1)
	getConcurrently(t, c2, 1)
	want(t, "token fetches", f.fetchCount(), 1)
}

func TestCancelledWaiterDoesNotFailTheFetch(t *testing.T) {
	c, f, _ := newFake(t, detailOK)
	f.tokenDelay = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.tokens.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.tokens.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	want(t, "token fetches", f.fetchCount(), 1)
}

// waitNoFlight waits for a background fetch to finish.
func waitNoFlight(t *testing.T, ts *tokenSource) {
	t.Helper()
	for range 2000 {
		ts.mu.Lock()
		busy := ts.flight != nil
		ts.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("token fetch still in flight")
}
