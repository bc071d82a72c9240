package xiaoe

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Push is Xiaoe's "订单售后状态推送" (api_list/news_push/order_refund_push).
// Only action=create_aftersale is pushed; later states are polled. The
// documented sample is XML "after decryption" and the encryption scheme is
// not public (UNCONFIRMED), so the receiver takes the decrypted body as JSON
// or XML. No signature is documented either: a push only makes the case
// workflow re-read the application through the authenticated API, so an
// unsigned push can cost one read and never an action.
type Push struct {
	Type       string `json:"type" xml:"type"`
	AppID      string `json:"app_id" xml:"app_id"`
	MessageID  string `json:"message_id" xml:"message_id"`
	RetryTimes int    `json:"retry_times" xml:"retry_times"`
	Data       struct {
		Action      string `json:"action" xml:"action"`
		AppID       string `json:"app_id" xml:"app_id"`
		OrderID     string `json:"order_id" xml:"order_id"`
		AfterSaleID string `json:"aftersale_id" xml:"aftersale_id"`
	} `json:"xe_data" xml:"xe_data"`
}

// maxPushBody bounds a push body; pushes are far smaller. A larger one is
// answered 413 rather than read in part.
const maxPushBody = 1 << 20

// NewPushHandler receives Xiaoe after-sale pushes for one shop, dedupes them
// by message_id and hands each new application to sink. It answers 200 at
// once for anything well formed, so Xiaoe does not retry; 400 for anything
// else, 413 for a body over 1 MiB, 503 when the sink fails.
func NewPushHandler(shop string, sink platforms.HintSink, dedupe *platforms.Deduper, logger *slog.Logger) http.Handler {
	if dedupe == nil {
		dedupe = platforms.NewDeduper(24*time.Hour, 100_000)
	}
	if logger == nil {
		logger = slog.Default()
	}
	log := logger.With("platform", platforms.Xiaoe, "receiver", "push", "shop", shop)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxPushBody+1))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if len(body) > maxPushBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		var p Push
		if strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
			err = xml.Unmarshal(body, &p)
		} else {
			err = json.Unmarshal(body, &p)
		}
		if err != nil || p.Data.AfterSaleID == "" {
			http.Error(w, "not an after-sale push", http.StatusBadRequest)
			return
		}
		key := shop + "|" + p.MessageID + "|" + p.Data.AfterSaleID
		if dedupe.Seen(key) {
			w.WriteHeader(http.StatusOK)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := sink(ctx, platforms.Hint{Platform: platforms.Xiaoe, Shop: shop, CaseID: p.Data.AfterSaleID}); err != nil {
			dedupe.Forget(key) // let Xiaoe's retry through
			log.Warn("push not delivered", "aftersale_id", p.Data.AfterSaleID, "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
