package shopline

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

const testSecret = "app-secret-1"

type hints struct {
	mu   sync.Mutex
	got  []platforms.Hint
	fail error
}

func (h *hints) sink(_ context.Context, x platforms.Hint) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail != nil {
		return h.fail
	}
	h.got = append(h.got, x)
	return nil
}

func newReceiver() (http.Handler, *hints) {
	h := &hints{}
	shops := ShopsByDomain(map[string]string{"open001.myshopline.com": "shop1", "open002": "shop2"})
	return NewWebhookHandler(testSecret, shops, h.sink, platforms.NewDeduper(time.Hour, 100), slog.New(slog.DiscardHandler)), h
}

// deliver posts a webhook as SHOPLINE does; sig "" signs body with testSecret.
func deliver(t *testing.T, hd http.Handler, topic, id, domain, body, sig string) int {
	t.Helper()
	if sig == "" {
		sig = Sign(testSecret, []byte(body))
	}
	r := httptest.NewRequest("POST", "/webhooks/shopline", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(HeaderTopic, topic)
	r.Header.Set(HeaderHmac, sig)
	r.Header.Set(HeaderDomain, domain)
	r.Header.Set(HeaderWebhookID, id)
	r.Header.Set("X-Shopline-API-Version", APIVersion)
	w := httptest.NewRecorder()
	hd.ServeHTTP(w, r)
	return w.Code
}

const refundBody = `{"id":"SL201AS4571669738589065294","order_id":"21057168152571061289431726","created_at":"2022-10-03T12:44:45-04:00","transactions":[{"amount":"100","currency":"CNY","status":"success","user_id":"14323434"}]}`

func TestWebhookValid(t *testing.T) {
	hd, h := newReceiver()
	for _, tc := range []struct {
		topic, domain, body, want string
		shop                      string
	}{
		{TopicRefundCreate, "open001.myshopline.com", refundBody, "refund-21057168152571061289431726-SL201AS4571669738589065294", "shop1"},
		{TopicPackageCreate, "open002.myshopline.com", `{"create_at":"2021-08-18T23:59:59+08:00","return_id":"2606638933449574496270","reverse_delivery_id":"RPP6638942961232558100"}`, "return-2606638933449574496270", "shop2"},
		{TopicPackageUpdate, "open001.myshopline.com", `{"return_id":"2606638933449574496270","tracking_information":{"tracking_number":"SF2212334441"}}`, "return-2606638933449574496270", "shop1"},
		{TopicReturnCreate, "open001.myshopline.com", `{"after_sale_order_seq":"2606576826460396889110","order_seq":"21064997045395244145024325"}`, "return-2606576826460396889110", "shop1"},
		{TopicReturnUpdate, "open001.myshopline.com", `{"after_sale_order_seq":2606576826460396889110}`, "return-2606576826460396889110", "shop1"},
	} {
		if code := deliver(t, hd, tc.topic, "wh-"+tc.topic, tc.domain, tc.body, ""); code != 200 {
			t.Fatalf("%s: HTTP %d", tc.topic, code)
		}
		last := h.got[len(h.got)-1]
		if last != (platforms.Hint{Platform: platforms.Shopline, Shop: tc.shop, CaseID: tc.want}) {
			t.Fatalf("%s: hint %+v", tc.topic, last)
		}
	}
}

func TestWebhookForged(t *testing.T) {
	hd, h := newReceiver()
	forged := Sign("someone-else", []byte(refundBody))
	for name, sig := range map[string]string{"other secret": forged, "garbage": "not base64!", "empty": " "} {
		if code := deliver(t, hd, TopicRefundCreate, "wh-1", "open001.myshopline.com", refundBody, sig); code != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", name, code)
		}
	}
	// The body signed, then changed.
	good := Sign(testSecret, []byte(refundBody))
	tampered := strings.Replace(refundBody, "SL201", "SL999", 1)
	if code := deliver(t, hd, TopicRefundCreate, "wh-2", "open001.myshopline.com", tampered, good); code != http.StatusUnauthorized {
		t.Errorf("tampered body: HTTP %d", code)
	}
	if len(h.got) != 0 {
		t.Fatalf("forged webhooks made hints: %+v", h.got)
	}
	// A forged delivery does not burn the id: the real one still goes through.
	if code := deliver(t, hd, TopicRefundCreate, "wh-1", "open001.myshopline.com", refundBody, ""); code != 200 || len(h.got) != 1 {
		t.Fatalf("genuine after forged: HTTP %d, %d hints", code, len(h.got))
	}
}

func TestWebhookReplay(t *testing.T) {
	hd, h := newReceiver()
	for range 3 {
		if code := deliver(t, hd, TopicRefundCreate, "wh-7", "open001.myshopline.com", refundBody, ""); code != 200 {
			t.Fatalf("HTTP %d", code)
		}
	}
	if len(h.got) != 1 {
		t.Fatalf("%d hints for one webhook id", len(h.got))
	}
	// The same id from another store is another webhook.
	deliver(t, hd, TopicRefundCreate, "wh-7", "open002.myshopline.com", refundBody, "")
	if len(h.got) != 2 {
		t.Fatalf("%d hints", len(h.got))
	}
}

func TestWebhookBadJSON(t *testing.T) {
	hd, h := newReceiver()
	for name, body := range map[string]string{
		"not JSON":   `{"id":`,
		"no ids":     `{"note":"hello"}`,
		"bad id":     `{"id":"a/b","order_id":"1"}`,
		"JSON array": `[1,2]`,
	} {
		if code := deliver(t, hd, TopicRefundCreate, "wh-bad", "open001.myshopline.com", body, ""); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", name, code)
		}
	}
	if len(h.got) != 0 {
		t.Fatalf("hints %+v", h.got)
	}
}

func TestWebhookIgnoresWhatIsNotOurs(t *testing.T) {
	hd, h := newReceiver()
	if code := deliver(t, hd, "orders/edited", "wh-o", "open001.myshopline.com", `{"id":"1"}`, ""); code != 200 {
		t.Fatalf("unknown topic: HTTP %d", code)
	}
	if code := deliver(t, hd, TopicRefundCreate, "wh-x", "stranger.myshopline.com", refundBody, ""); code != 200 {
		t.Fatalf("unknown store: HTTP %d", code)
	}
	if len(h.got) != 0 {
		t.Fatalf("hints %+v", h.got)
	}
	r := httptest.NewRequest("GET", "/webhooks/shopline", nil)
	w := httptest.NewRecorder()
	hd.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: HTTP %d", w.Code)
	}
}

func TestWebhookSinkFailureIsRedelivered(t *testing.T) {
	hd, h := newReceiver()
	h.fail = errors.New("temporal unavailable")
	if code := deliver(t, hd, TopicRefundCreate, "wh-9", "open001.myshopline.com", refundBody, ""); code != http.StatusInternalServerError {
		t.Fatalf("HTTP %d, want 500", code)
	}
	h.fail = nil
	if code := deliver(t, hd, TopicRefundCreate, "wh-9", "open001.myshopline.com", refundBody, ""); code != 200 || len(h.got) != 1 {
		t.Fatalf("redelivery: HTTP %d, %d hints", code, len(h.got))
	}
}

func TestSignMatchesTheDocumentedShape(t *testing.T) {
	sig := Sign(testSecret, []byte(refundBody))
	// The documented example, XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=, is 44 characters.
	if len(sig) != 44 || !strings.HasSuffix(sig, "=") || !VerifySignature(testSecret, []byte(refundBody), sig) {
		t.Fatalf("signature %q", sig)
	}
	if VerifySignature("", []byte(refundBody), Sign("", []byte(refundBody))) {
		t.Fatal("an empty secret verified")
	}
}

func TestHandleOf(t *testing.T) {
	for in, want := range map[string]string{
		BaseURL("open001"):                "open001",
		"https://Open001.myshopline.com":  "open001",
		"http://127.0.0.1:8300":           "",
		"https://a.b.myshopline.com/x":    "",
		"https://open001.myshopline.com.": "",
		"::":                              "",
	} {
		if got := HandleOf(in); got != want {
			t.Errorf("HandleOf(%q) = %q, want %q", in, got, want)
		}
	}
}
