package sandbox

// SHOPLINE webhooks: when ShoplineOptions.WebhookURL is set, the sandbox
// POSTs what SHOPLINE would, signed as SHOPLINE signs (base64 HMAC-SHA256
// of the raw body with the app secret), and redelivers with the same
// X-Shopline-Webhook-Id until it is answered 2xx. Handy in dev mode, where
// SHOPLINE cases are only learned from webhooks.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"time"

	"github.com/aftersale/aftersale/platforms/shopline"
)

// slWebhookAttempts bounds redeliveries: about four minutes of trying, so a
// receiver that starts after the sandbox (dev mode seeds first) still gets
// the demo cases.
const slWebhookAttempts = 9

// webhook sends one webhook in the background. It may be called with the
// store lock held: it copies what it sends and never touches the store.
func (x *shoplineSim) webhook(shop, topic string, payload map[string]any) {
	x.mu.Lock()
	url, secret := x.webhookURL, x.appSecret
	x.mu.Unlock()
	if url == "" {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		x.s.log.Error("sandbox shopline webhook: cannot encode", "topic", topic, "err", err)
		return
	}
	id := make([]byte, 12)
	rand.Read(id)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(shopline.HeaderTopic, topic)
	h.Set(shopline.HeaderHmac, shopline.Sign(secret, body))
	h.Set(shopline.HeaderDomain, shop+".myshopline.com")
	h.Set(shopline.HeaderWebhookID, hex.EncodeToString(id))
	h.Set("X-Shopline-Shop-Id", slNumericID(shop, 1610000000000))
	h.Set("X-Shopline-Merchant-Id", slNumericID(shop, 2000000000))
	h.Set("X-Shopline-API-Version", shopline.APIVersion)
	go x.deliver(url, h, body)
}

func (x *shoplineSim) deliver(url string, h http.Header, body []byte) {
	wait := 500 * time.Millisecond
	for attempt := 1; attempt <= slWebhookAttempts; attempt++ {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			x.s.log.Error("sandbox shopline webhook: bad URL", "url", url, "err", err)
			return
		}
		req.Header = h.Clone()
		resp, err := x.hooks.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				x.s.log.Debug("sandbox shopline webhook delivered", "topic", h.Get(shopline.HeaderTopic), "attempt", attempt)
				return
			}
			err = &slError{status: resp.StatusCode, msg: "receiver answered " + resp.Status}
		}
		x.s.log.Info("sandbox shopline webhook not delivered", "topic", h.Get(shopline.HeaderTopic),
			"webhook_id", h.Get(shopline.HeaderWebhookID), "attempt", attempt, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 30*time.Second)
	}
}

// slNumericID is a stable made-up numeric id for a shop's headers.
func slNumericID(shop string, base uint64) string {
	f := fnv.New32a()
	f.Write([]byte(shop))
	return strconv.FormatUint(base+uint64(f.Sum32()), 10)
}
