package xportcn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Message callbacks (KA "Message access manual", PLATFORMS.md §2.4): Xportcn
// POSTs {messageType, messageBody, messagePlatform, timestamp} to the URL set
// in Console → Message service, over HTTPS (the handler is plain
// http.Handler: TLS is the listener's job), expects HTTP 200 within 1000 ms,
// retries a failed delivery every 30 min up to 5 times, and does not
// guarantee order.
//
// No callback signature is documented (UNCONFIRMED), so messages cannot be
// authenticated. Accepting them anyway is safe: a message only becomes a
// hint "re-read refund N", and the workflow re-reads it through the signed
// API; a forged message costs one read, never an action.

// MessageTypeBuyerRefund is the after-sale message of Taobao orders, whose
// body includes refundId and orderId.
const MessageTypeBuyerRefund = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND"

// CallbackSinkTimeout bounds how long a hint may take to reach its workflow.
// The sink runs after the 200 is sent, so it never delays the answer.
var CallbackSinkTimeout = 30 * time.Second

// CallbackDedupeTTL covers Xportcn's redeliveries (5 retries, 30 min apart).
const CallbackDedupeTTL = 6 * time.Hour

// maxCallbackBody bounds a message; real ones are small.
const maxCallbackBody = 1 << 20

// CallbackMessage is the callback envelope. messageBody is a JSON string
// holding a JSON object (an object is accepted too).
type CallbackMessage struct {
	MessageType     string          `json:"messageType"`
	MessageBody     json.RawMessage `json:"messageBody"`
	MessagePlatform text            `json:"messagePlatform"` // 0 Taobao, 1 1688
	Timestamp       text            `json:"timestamp"`       // ms
}

// refundBody is the part of the refund message we use.
type refundBody struct {
	RefundID text `json:"refundId"`
	OrderID  text `json:"orderId"`
}

// NewCallbackHandler returns the receiver of one or more accounts' message
// callbacks. shopOf names the account (our "shop") a request is for, e.g.
// FixedShop("xp-buyer") or a path value of the route it is mounted on; ""
// answers 404, so that Xportcn's console check of the URL fails visibly.
// Refund messages become hints for sink; other types are acknowledged and
// ignored. dedupe may be nil (a fresh one is made).
func NewCallbackHandler(shopOf func(*http.Request) string, sink platforms.HintSink, dedupe *platforms.Deduper, logger *slog.Logger) http.Handler {
	if dedupe == nil {
		dedupe = platforms.NewDeduper(CallbackDedupeTTL, 100000)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &callbackHandler{shopOf: shopOf, sink: sink, dedupe: dedupe,
		log: logger.With("platform", platforms.Xportcn, "receiver", "callback")}
}

// FixedShop is a shopOf for a handler that serves a single account.
func FixedShop(shop string) func(*http.Request) string {
	return func(*http.Request) string { return shop }
}

type callbackHandler struct {
	shopOf func(*http.Request) string
	sink   platforms.HintSink
	dedupe *platforms.Deduper
	log    *slog.Logger
}

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody+1))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if len(raw) > maxCallbackBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	msg, refundID, err := parseCallback(raw)
	if err != nil {
		h.log.Warn("xportcn callback rejected", "error", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	shop := h.shopOf(r)
	if shop == "" {
		h.log.Error("xportcn callback for no known account", "path", r.URL.Path)
		http.Error(w, "unknown account", http.StatusNotFound)
		return
	}
	if msg.MessageType != MessageTypeBuyerRefund {
		h.log.Debug("xportcn callback ignored", "shop", shop, "type", msg.MessageType)
		ack(w)
		return
	}
	// No delivery id is documented: a redelivery repeats type, timestamp and body.
	sum := sha256.Sum256(msg.MessageBody)
	key := shop + "|" + msg.MessageType + "|" + string(msg.Timestamp) + "|" + hex.EncodeToString(sum[:])
	if h.dedupe.Seen(key) {
		h.log.Debug("xportcn callback redelivered", "shop", shop, "refund_id", refundID)
		ack(w)
		return
	}
	hint := platforms.Hint{Platform: platforms.Xportcn, Shop: shop, CaseID: refundID}
	go h.deliver(hint, key)
	ack(w)
}

// deliver hands a hint to the sink after the answer went out. On failure the
// message is forgotten, so Xportcn's redelivery (or the next poll) retries.
func (h *callbackHandler) deliver(hint platforms.Hint, key string) {
	ctx, cancel := context.WithTimeout(context.Background(), CallbackSinkTimeout)
	defer cancel()
	if err := h.sink(ctx, hint); err != nil {
		h.dedupe.Forget(key)
		h.log.Error("xportcn callback hint not delivered", "shop", hint.Shop, "refund_id", hint.CaseID, "error", err)
		return
	}
	h.log.Info("xportcn callback hint delivered", "shop", hint.Shop, "refund_id", hint.CaseID)
}

// parseCallback validates a message and, for refund messages, returns the
// refund id. Other message types only need a well-formed envelope.
func parseCallback(raw []byte) (CallbackMessage, string, error) {
	var msg CallbackMessage
	if err := json.Unmarshal(raw, &msg); err != nil {
		return msg, "", fmt.Errorf("not a callback message: %v", err)
	}
	if msg.MessageType == "" || !hasValue(msg.MessageBody) {
		return msg, "", fmt.Errorf("callback message lacks messageType or messageBody")
	}
	if msg.MessageType != MessageTypeBuyerRefund {
		return msg, "", nil
	}
	body := []byte(msg.MessageBody)
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte(`"`)) {
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return msg, "", fmt.Errorf("messageBody: %v", err)
		}
		body = []byte(s)
	}
	var rb refundBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return msg, "", fmt.Errorf("messageBody is not a JSON object: %v", err)
	}
	if !isDigits(string(rb.RefundID)) {
		return msg, "", fmt.Errorf("messageBody has no valid refundId (%q)", rb.RefundID)
	}
	return msg, string(rb.RefundID), nil
}

func ack(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"code":200,"msg":"success"}`)
}
