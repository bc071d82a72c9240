package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// ShoplineOptions configure the SHOPLINE simulator.
// STUB: replaced by the SHOPLINE simulator.
type ShoplineOptions struct{}

// shoplineSim simulates SHOPLINE. STUB.
type shoplineSim struct{ s *Sandbox }

func newShopline(s *Sandbox, _ ShoplineOptions) *shoplineSim { return &shoplineSim{s: s} }

func (x *shoplineSim) prepare(r *record, now time.Time) error {
	return fmt.Errorf("SHOPLINE is not simulated yet")
}
func (x *shoplineSim) advance(r *record, now time.Time) {}
func (x *shoplineSim) register(c ShopCredentials) error {
	return fmt.Errorf("SHOPLINE is not simulated yet")
}
func (x *shoplineSim) routes(mux *http.ServeMux) {}

// DemoShoplineCases returns the SHOPLINE demo cases for dev mode. STUB.
func DemoShoplineCases(now time.Time) []DemoCase { return nil }
