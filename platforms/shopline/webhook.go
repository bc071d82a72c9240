package shopline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Webhook topics the receiver turns into hints (developer.shopline.com
// webhook reference). Any other topic is acknowledged and ignored.
const (
	TopicRefundCreate  = "refunds/create"        // body: a refund (id, order_id, ...)
	TopicReturnCreate  = "return/create"         // body: after_sale_order_seq (return id), order_seq
	TopicReturnUpdate  = "return/update"         // same body
	TopicPackageCreate = "return_package/create" // body: return_id, reverse_delivery_id, tracking_information
	TopicPackageUpdate = "return_package/update" // same body
)

// Webhook headers.
const (
	HeaderTopic     = "X-Shopline-Topic"
	HeaderHmac      = "X-Shopline-Hmac-Sha256"
	HeaderDomain    = "X-Shopline-Shop-Domain"
	HeaderWebhookID = "X-Shopline-Webhook-Id" // unchanged on redelivery
)

// maxWebhookBody bounds a webhook body; refunds and returns are far smaller.
const maxWebhookBody = 1 << 20

// sinkTimeout bounds the hand-over of a hint, so SHOPLINE gets its 200 fast.
const sinkTimeout = 10 * time.Second

// Sign is the webhook signature: base64 of HMAC-SHA256 over the raw body,
// keyed with the app secret. (The documented example header is 44
// characters: base64 of a 32-byte digest.)
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a X-Shopline-Hmac-Sha256 header in constant time.
func VerifySignature(appSecret string, body []byte, header string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
	if err != nil || appSecret == "" {
		return false
	}
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// ShopsByDomain returns a shopOf for NewWebhookHandler that reads the
// X-Shopline-Shop-Domain header and looks it up in shops, keyed by store
// domain ("open001.myshopline.com") or handle ("open001").
func ShopsByDomain(shops map[string]string) func(*http.Request) (string, bool) {
	return func(r *http.Request) (string, bool) {
		domain := strings.ToLower(strings.TrimSpace(r.Header.Get(HeaderDomain)))
		if shop, ok := shops[domain]; ok {
			return shop, true
		}
		handle, _, _ := strings.Cut(domain, ".")
		shop, ok := shops[handle]
		return shop, ok && handle != ""
	}
}

// HandleOf returns the store handle of a SHOPLINE base URL
// ("https://open001.myshopline.com/admin/openapi/v20250601" → "open001"),
// or "" for any other host (a sandbox), for building ShopsByDomain's map.
func HandleOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	handle, ok := strings.CutSuffix(strings.ToLower(u.Hostname()), ".myshopline.com")
	if !ok || strings.Contains(handle, ".") {
		return ""
	}
	return handle
}

// NewWebhookHandler receives SHOPLINE webhooks for one app. It verifies the
// signature over the raw body (401 when it does not match), acknowledges
// redeliveries of a webhook id it already handled with 200 without handing
// them on again, ignores topics it does not know (200), and hands a hint
// naming the case to sink. Webhooks are only hints: the case workflow
// re-reads the case. shopOf names our shop for a request (ShopsByDomain);
// a store we do not manage is acknowledged and ignored.
//
// Answers: 200 done (or nothing to do), 400 unreadable body, 401 bad
// signature, 405 not a POST, 413 too big, 500 the sink failed (SHOPLINE
// redelivers, and the id is forgotten so the redelivery is handled).
func NewWebhookHandler(appSecret string, shopOf func(r *http.Request) (string, bool), sink platforms.HintSink,
	dedupe *platforms.Deduper, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	log := logger.With("platform", platforms.Shopline, "component", "webhook")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if len(body) > maxWebhookBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		topic := r.Header.Get(HeaderTopic)
		if !VerifySignature(appSecret, body, r.Header.Get(HeaderHmac)) {
			log.Warn("shopline webhook: bad signature", "topic", topic, "domain", r.Header.Get(HeaderDomain))
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		shop, ok := shopOf(r)
		if !ok {
			log.Warn("shopline webhook: store not configured; ignored", "topic", topic, "domain", r.Header.Get(HeaderDomain))
			io.WriteString(w, "ignored")
			return
		}
		if !knownTopic(topic) {
			log.Debug("shopline webhook: topic ignored", "topic", topic, "shop", shop)
			io.WriteString(w, "ignored")
			return
		}
		id := r.Header.Get(HeaderWebhookID)
		key := "shopline/" + shop + "/" + id
		if id != "" && dedupe != nil && dedupe.Seen(key) {
			log.Info("shopline webhook: redelivery ignored", "topic", topic, "shop", shop, "webhook_id", id)
			io.WriteString(w, "duplicate")
			return
		}
		forget := func() {
			if id != "" && dedupe != nil {
				dedupe.Forget(key)
			}
		}
		caseID, err := webhookCaseID(topic, body)
		if err != nil {
			forget()
			log.Warn("shopline webhook: unreadable body", "topic", topic, "shop", shop, "webhook_id", id, "error", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), sinkTimeout)
		defer cancel()
		if err := sink(ctx, platforms.Hint{Platform: platforms.Shopline, Shop: shop, CaseID: caseID}); err != nil {
			forget()
			log.Error("shopline webhook: hint not delivered", "topic", topic, "shop", shop, "case_id", caseID, "error", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		log.Info("shopline webhook", "topic", topic, "shop", shop, "case_id", caseID, "webhook_id", id)
		io.WriteString(w, "ok")
	})
}

func knownTopic(t string) bool {
	switch t {
	case TopicRefundCreate, TopicReturnCreate, TopicReturnUpdate, TopicPackageCreate, TopicPackageUpdate:
		return true
	}
	return false
}

// webhookCaseID names the case a webhook is about. Only ids are decoded.
func webhookCaseID(topic string, body []byte) (string, error) {
	var b struct {
		ID                Text `json:"id"`
		OrderID           Text `json:"order_id"`
		AfterSaleOrderSeq Text `json:"after_sale_order_seq"`
		ReturnID          Text `json:"return_id"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return "", fmt.Errorf("body is not a JSON object: %v", err)
	}
	switch topic {
	case TopicRefundCreate:
		if !validID(b.OrderID.String()) || !validID(b.ID.String()) {
			return "", fmt.Errorf("refund webhook lacks a valid id and order_id")
		}
		return RefundCaseID(b.OrderID.String(), b.ID.String()), nil
	case TopicReturnCreate, TopicReturnUpdate:
		if !validID(b.AfterSaleOrderSeq.String()) {
			return "", fmt.Errorf("return webhook lacks a valid after_sale_order_seq")
		}
		return ReturnCaseID(b.AfterSaleOrderSeq.String()), nil
	default: // return_package/*
		if !validID(b.ReturnID.String()) {
			return "", fmt.Errorf("return package webhook lacks a valid return_id")
		}
		return ReturnCaseID(b.ReturnID.String()), nil
	}
}
