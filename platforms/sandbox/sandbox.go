// Package sandbox simulates the after-sale APIs of the platforms on one HTTP
// address, at their real paths, for demos and tests (DESIGN §8).
//
// Layout: one file set per platform (top*.go for Taobao/Tmall TOP) plugged
// into a shared layer: the case store (store.go), the clock and versions
// (clock.go), the action log (actions.go), call counters (calls.go), fault
// injection (faults.go) and the admin API under /_sandbox/ (admin.go).
package sandbox

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Sandbox. The zero value is usable.
type Options struct {
	Logger *slog.Logger
	// Now is the sandbox clock; deadlines expire against it. Default time.Now.
	Now func() time.Time
	// BuyerShipAfter is how long simulated buyers take to ship a return once
	// the seller agreed it. Default 20s.
	BuyerShipAfter time.Duration
	// TOPApps maps TOP app_key to app secret. The default app
	// (DefaultTOPAppKey/DefaultTOPAppSecret) is always registered too.
	TOPApps map[string]string
	// TOPSessions maps TOP session to shop. When nil, any session
	// TOPSessionFor(shop) is accepted for any shop.
	TOPSessions map[string]string
	// FaultSeed seeds the fault-injection random source; 0 means time-based.
	FaultSeed uint64
	// OnRead, when set, is called for every case a detail read answers
	// (TOP taobao.refund.get) with the sandbox clock's time of the read, so
	// a benchmark can see when a caller read a case after it changed. It
	// runs with the case store locked: it must be quick and must not call
	// the sandbox.
	OnRead func(platform, shop, caseID string, at time.Time)

	Xiaoe    XiaoeOptions
	Shopline ShoplineOptions
	Xportcn  XportcnOptions
}

// Sandbox is the simulator. Create it with New; it is safe for concurrent use.
type Sandbox struct {
	log            *slog.Logger
	clock          *clock
	buyerShipAfter time.Duration
	sims           map[string]simulator
	onRead         func(platform, shop, caseID string, at time.Time)

	mu    sync.Mutex // guards cases
	cases map[caseKey]*record

	actions actionLog
	calls   callCounter
	limits  limiter
	faults  *faults
	reqSeq  atomic.Int64

	notifications notificationLog
}

// simulator is what one platform's file set plugs into the shared layer.
type simulator interface {
	// prepare validates a native case, fills its defaults and sets r.id.
	prepare(r *record, now time.Time) error
	// advance applies every move the platform itself makes by now
	// (deadlines, buyers), noting each on the record (noteMove). Called
	// with Sandbox.mu held.
	advance(r *record, now time.Time)
	// deadline is the deadline of the case's current state, if it has one.
	// Called with Sandbox.mu held.
	deadline(r *record) (time.Time, bool)
	// register adds shop credentials (POST /_sandbox/shops).
	register(c ShopCredentials) error
	// routes adds the platform's API endpoints.
	routes(mux *http.ServeMux)
}

// New returns a sandbox with no cases.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		log:            opts.Logger,
		clock:          &clock{now: opts.Now},
		buyerShipAfter: opts.BuyerShipAfter,
		onRead:         opts.OnRead,
		cases:          map[caseKey]*record{},
		faults:         newFaults(opts.FaultSeed),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock.now == nil {
		s.clock.now = time.Now
	}
	if s.buyerShipAfter <= 0 {
		s.buyerShipAfter = 20 * time.Second
	}
	s.sims = map[string]simulator{
		PlatformTaobao:   newTOP(s, opts.TOPApps, opts.TOPSessions),
		PlatformXiaoe:    newXiaoe(s, opts.Xiaoe),
		PlatformShopline: newShopline(s, opts.Shopline),
		PlatformXportcn:  newXportcn(s, opts.Xportcn),
	}
	return s
}

// Platform names as the admin API and the platforms package spell them.
const (
	PlatformTaobao   = "taobao"
	PlatformXiaoe    = "xiaoe"
	PlatformShopline = "shopline"
	PlatformXportcn  = "xportcn"
)

// Handler serves the platform APIs and the admin API.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, sim := range s.sims {
		sim.routes(mux)
	}
	s.adminRoutes(mux)
	s.notificationRoutes(mux)
	return mux
}
