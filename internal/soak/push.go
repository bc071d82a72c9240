package soak

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/internal/app"
	"github.com/aftersale/aftersale/notify"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/sandbox"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/platforms/xportcn"
)

// PushStats is what the soak pushed at the worker's push listener.
type PushStats struct {
	// Sent counts pushes (originals and duplicates), each once however many
	// delivery attempts it took.
	Sent int
	// Duplicates are redeliveries of an earlier push: the same SHOPLINE
	// X-Shopline-Webhook-Id, the same Xiaoe message_id, the same Xportcn
	// body and timestamp.
	Duplicates int
	// Reordered are pushes sent after a push of the same case that carried
	// a newer event time.
	Reordered int
	// Delivered were answered 2xx; Rejected 4xx (a push the receiver
	// refused: should be 0); Undelivered never got a 2xx within the retry
	// window (the worker was down, or it answered 5xx throughout).
	Delivered, Rejected, Undelivered int
	// Attempts counts HTTP attempts, retries included (the soak redelivers
	// like the platforms do while the worker is down).
	Attempts int
	// ByPlatform counts Sent by platform.
	ByPlatform map[string]int
}

// push is one message for the worker's push listener.
type push struct {
	platform platforms.Platform
	caseKey  string
	path     string
	header   http.Header
	body     []byte
	eventAt  time.Time // the event time it carries
	dup      bool      // a redelivery of an earlier push
}

// pusher sends pushes at their times and keeps the stats.
type pusher struct {
	baseURL string
	client  *http.Client

	mu     sync.Mutex
	stats  PushStats
	newest map[string]time.Time // per case: newest event time sent
	wg     sync.WaitGroup
}

func newPusher(pushAddr string) *pusher {
	return &pusher{baseURL: "http://" + pushAddr, client: &http.Client{Timeout: 15 * time.Second},
		newest: map[string]time.Time{}, stats: PushStats{ByPlatform: map[string]int{}}}
}

// send delivers p in the background, retrying (as platforms redeliver)
// while the listener is down or answers 5xx, for up to retryFor.
func (ps *pusher) send(ctx context.Context, p push, retryFor time.Duration) {
	ps.mu.Lock()
	ps.stats.Sent++
	ps.stats.ByPlatform[string(p.platform)]++
	if p.dup {
		ps.stats.Duplicates++
	}
	if newest, ok := ps.newest[p.caseKey]; ok && p.eventAt.Before(newest) {
		ps.stats.Reordered++
	}
	if p.eventAt.After(ps.newest[p.caseKey]) {
		ps.newest[p.caseKey] = p.eventAt
	}
	ps.mu.Unlock()
	ps.wg.Add(1)
	go func() {
		defer ps.wg.Done()
		outcome := ps.deliver(ctx, p, retryFor)
		ps.mu.Lock()
		switch outcome {
		case "delivered":
			ps.stats.Delivered++
		case "rejected":
			ps.stats.Rejected++
		default:
			ps.stats.Undelivered++
		}
		ps.mu.Unlock()
	}()
}

func (ps *pusher) deliver(ctx context.Context, p push, retryFor time.Duration) string {
	until := time.Now().Add(retryFor)
	wait := 300 * time.Millisecond
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ps.baseURL+p.path, bytes.NewReader(p.body))
		if err != nil {
			return "undelivered"
		}
		req.Header = p.header.Clone()
		ps.mu.Lock()
		ps.stats.Attempts++
		ps.mu.Unlock()
		resp, err := ps.client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode/100 == 2:
				return "delivered"
			case resp.StatusCode/100 == 4:
				return "rejected"
			}
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(until) {
			return "undelivered"
		}
		select {
		case <-ctx.Done():
			return "undelivered"
		case <-time.After(wait):
		}
		wait = min(2*wait, 3*time.Second)
	}
}

func (ps *pusher) result() PushStats {
	ps.wg.Wait()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.stats
}

// pushesFor builds the push one event of case s at at would send.
func pushFor(s *Seeded, at time.Time, rng *mrand.Rand) (push, bool) {
	p := push{platform: s.Platform, caseKey: s.WorkflowID(), path: app.PushPath(s.Platform, s.Shop), header: http.Header{}, eventAt: at}
	p.header.Set("Content-Type", "application/json")
	switch s.Platform {
	case platforms.Shopline:
		var topic string
		var body map[string]any
		n := s.Native
		if strings.HasPrefix(s.CaseID, "refund-") {
			topic, body = shopline.TopicRefundCreate, map[string]any{"id": getString(n, "id"), "order_id": getString(n, "order_id"),
				"created_at": at.Format(time.RFC3339)}
		} else if rng.IntN(2) == 0 {
			topic, body = shopline.TopicReturnUpdate, map[string]any{"after_sale_order_seq": getString(n, "id"),
				"order_seq": getString(n, "order_id"), "updated_at": at.Format(time.RFC3339)}
		} else {
			topic, body = shopline.TopicPackageUpdate, map[string]any{"return_id": getString(n, "id"),
				"reverse_delivery_id": "RPP" + getString(n, "id"), "update_at": at.Format(time.RFC3339)}
		}
		b, _ := json.Marshal(body)
		p.body = b
		p.header.Set(shopline.HeaderTopic, topic)
		p.header.Set(shopline.HeaderHmac, shopline.Sign(sandbox.DefaultShoplineAppSecret, b))
		p.header.Set(shopline.HeaderDomain, s.Shop+".myshopline.com")
		p.header.Set(shopline.HeaderWebhookID, randomHex(12))
		p.header.Set("X-Shopline-API-Version", shopline.APIVersion)
	case platforms.Xportcn:
		ro, _ := s.Native["refundOrder"].(map[string]any)
		line, _ := s.Native["purchaseOrderLine"].(map[string]any)
		inner, _ := json.Marshal(map[string]any{"refundId": getString(ro, "refundId"), "orderId": getID(line, "purchaseOrderId"),
			"refundStatus": getString(ro, "refundStatus")})
		b, _ := json.Marshal(map[string]any{"messageType": xportcn.MessageTypeBuyerRefund, "messageBody": string(inner),
			"messagePlatform": 0, "timestamp": strconv.FormatInt(at.UnixMilli(), 10)})
		p.body = b
	case platforms.Xiaoe:
		appID := sandbox.XiaoeAppIDFor(s.Shop)
		b, _ := json.Marshal(map[string]any{"type": "order_refund_push", "app_id": appID, "message_id": randomHex(16),
			"retry_times": 0, "xe_data": map[string]any{"action": "create_aftersale", "app_id": appID,
				"order_id": s.OrderID, "aftersale_id": s.CaseID}})
		p.body = b
	default:
		return p, false
	}
	return p, true
}

// duplicate is a redelivery of p: the same bytes and delivery id.
func (p push) duplicate() push {
	d := p
	d.header = p.header.Clone()
	d.dup = true
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// scheduled is one push to send at a moment of the chaos window.
type scheduled struct {
	at time.Duration
	p  push
}

// pushPlan draws the pushes of a run: for share of the pushable cases two
// or three events inside the window (and one after each move the platform
// makes to it on its own), 30% of them redelivered, and for half of the
// cases the newest event sent first and the oldest last.
func pushPlan(cases []*Seeded, share float64, active time.Duration, start time.Time, rng *mrand.Rand) []scheduled {
	var out []scheduled
	for _, s := range cases {
		if !s.Pushable || rng.Float64() >= share {
			continue
		}
		var times []time.Duration
		for range 2 + rng.IntN(2) {
			times = append(times, time.Duration(rng.Int64N(int64(active))))
		}
		if d, ok := moveTime(s); ok && d < active {
			times = append(times, d+time.Second)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		sends := append([]time.Duration(nil), times...)
		if len(times) >= 2 && rng.IntN(2) == 0 {
			// Reordered: the newest event goes out first, the oldest right after.
			last := len(times) - 1
			sends[last] = times[0]
			sends[0] = times[0] + time.Millisecond + time.Duration(rng.Int64N(int64(2*time.Second)))
		}
		for i, t := range times {
			p, ok := pushFor(s, start.Add(t), rng)
			if !ok {
				continue
			}
			out = append(out, scheduled{at: sends[i], p: p})
			if rng.IntN(10) < 3 {
				out = append(out, scheduled{at: sends[i] + time.Duration(rng.Int64N(int64(3*time.Second))), p: p.duplicate()})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// moveTime is when the platform (not the soak) moves a case on its own
// during the run: a SHOPLINE package arriving, an Xportcn seller answering.
func moveTime(s *Seeded) (time.Duration, bool) {
	n := s.Native
	switch s.Platform {
	case platforms.Shopline:
		if v := getString(n, "sandbox_arrive_after"); v != "" {
			sec, _ := strconv.Atoi(v)
			return time.Duration(sec) * time.Second, true
		}
	case platforms.Xportcn:
		if v := getString(n, "sandbox_seller_after"); v != "" {
			sec, _ := strconv.Atoi(v)
			return time.Duration(sec) * time.Second, true
		}
	}
	return 0, false
}

// notices collects the escalation notices the worker posts to its generic
// webhook (the soak's stand-in for the ops chat room).
type notices struct {
	mu   sync.Mutex
	list []notify.Notice
	addr string
}

func serveNotices(ctx context.Context) (*notices, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n := &notices{addr: ln.Addr().String()}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got notify.Notice
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n.mu.Lock()
		n.list = append(n.list, got)
		n.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return n, nil
}

func (n *notices) url() string { return "http://" + n.addr + "/notify" }

func (n *notices) all() []notify.Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notify.Notice(nil), n.list...)
}

// freeAddr picks a free loopback address for the worker's push listener.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
