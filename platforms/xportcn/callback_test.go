package xportcn

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// refundMessage is a callback as the message manual describes it:
// messageBody is a JSON string.
const refundMessage = `{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":\"110002687818\",\"orderId\":\"200028508720\",\"refundStatus\":\"100\"}","messagePlatform":0,"timestamp":1698216212000}`

type sinkRecorder struct {
	hints chan platforms.Hint
	delay time.Duration
	fail  atomic.Bool // answer every hint with an error
}

func (s *sinkRecorder) sink(ctx context.Context, h platforms.Hint) error {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
		}
	}
	s.hints <- h
	if s.fail.Load() {
		return errors.New("temporal unavailable")
	}
	return nil
}

func newCallback(t *testing.T, s *sinkRecorder) http.Handler {
	t.Helper()
	return NewCallbackHandler(FixedShop("xp-buyer"), s.sink, platforms.NewDeduper(time.Hour, 100), slog.New(slog.DiscardHandler))
}

func post(h http.Handler, body string) (*httptest.ResponseRecorder, time.Duration) {
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/xportcn/callback", strings.NewReader(body)))
	return rec, time.Since(start)
}

func (s *sinkRecorder) next(t *testing.T) platforms.Hint {
	t.Helper()
	select {
	case h := <-s.hints:
		return h
	case <-time.After(3 * time.Second):
		t.Fatal("no hint reached the sink")
	}
	return platforms.Hint{}
}

func (s *sinkRecorder) none(t *testing.T) {
	t.Helper()
	select {
	case h := <-s.hints:
		t.Fatalf("unexpected hint %+v", h)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestCallbackValidAndRedelivered(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 4)}
	h := newCallback(t, s)
	rec, _ := post(h, refundMessage)
	if rec.Code != http.StatusOK {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	got := s.next(t)
	want := platforms.Hint{Platform: platforms.Xportcn, Shop: "xp-buyer", CaseID: "110002687818"}
	if got.Platform != want.Platform || got.Shop != want.Shop || got.CaseID != want.CaseID || got.Case != nil {
		t.Fatalf("hint %+v, want %+v (a bare re-read hint)", got, want)
	}
	// Xportcn redelivers the same message: acknowledged, not handed on.
	rec, _ = post(h, refundMessage)
	if rec.Code != http.StatusOK {
		t.Fatalf("redelivery answered %d", rec.Code)
	}
	s.none(t)
	// A later message about the same refund is news.
	rec, _ = post(h, strings.Replace(refundMessage, "1698216212000", "1698216299000", 1))
	if rec.Code != http.StatusOK || s.next(t).CaseID != "110002687818" {
		t.Fatalf("second message: %d", rec.Code)
	}
}

func TestCallbackBodyAsObjectAndNumbers(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 1)}
	rec, _ := post(newCallback(t, s), `{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":{"refundId":110002687819,"orderId":1},"messagePlatform":"0","timestamp":"1"}`)
	if rec.Code != http.StatusOK || s.next(t).CaseID != "110002687819" {
		t.Fatalf("answer %d", rec.Code)
	}
}

func TestCallbackMalformed(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 1)}
	h := newCallback(t, s)
	for _, body := range []string{
		``, `not json`, `[]`, `{"messageBody":"{}"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"not json"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"orderId\":\"1\"}"}`,
		`{"messageType":"ORDER_BUYER_VIEW_ORDER_BUYER_REFUND","messageBody":"{\"refundId\":\"R-1\"}"}`,
	} {
		if rec, _ := post(h, body); rec.Code != http.StatusBadRequest {
			t.Errorf("%q answered %d, want 400", body, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/xportcn/callback", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d", rec.Code)
	}
	s.none(t)
}

func TestCallbackOtherTypesAndUnknownAccount(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 1)}
	rec, _ := post(newCallback(t, s), `{"messageType":"ORDER_PAY_SUCCESS","messageBody":"{\"orderId\":\"1\"}","messagePlatform":0,"timestamp":1}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("other type answered %d", rec.Code)
	}
	s.none(t)
	h := NewCallbackHandler(func(*http.Request) string { return "" }, s.sink, nil, nil)
	if rec, _ := post(h, refundMessage); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown account answered %d", rec.Code)
	}
}

func TestCallbackSlowSinkStillAnswersFast(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 1), delay: 1500 * time.Millisecond}
	rec, took := post(newCallback(t, s), refundMessage)
	if rec.Code != http.StatusOK || took > 200*time.Millisecond {
		t.Fatalf("answered %d after %s; Xportcn gives up after 1 s", rec.Code, took)
	}
	if s.next(t).CaseID != "110002687818" {
		t.Fatal("hint lost")
	}
}

func TestCallbackSinkFailureAllowsRedelivery(t *testing.T) {
	s := &sinkRecorder{hints: make(chan platforms.Hint, 2)}
	s.fail.Store(true)
	h := newCallback(t, s)
	post(h, refundMessage)
	s.next(t)
	time.Sleep(50 * time.Millisecond) // the failure is recorded after the sink returns
	s.fail.Store(false)
	if rec, _ := post(h, refundMessage); rec.Code != http.StatusOK {
		t.Fatalf("answer %d", rec.Code)
	}
	if s.next(t).CaseID != "110002687818" {
		t.Fatal("redelivery after a failed hint was dropped")
	}
}
