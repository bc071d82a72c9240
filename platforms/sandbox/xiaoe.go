package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// XiaoeOptions configure the Xiaoe-tech simulator.
// STUB: replaced by the Xiaoe-tech simulator.
type XiaoeOptions struct{}

// xiaoeSim simulates Xiaoe-tech. STUB.
type xiaoeSim struct{ s *Sandbox }

func newXiaoe(s *Sandbox, _ XiaoeOptions) *xiaoeSim { return &xiaoeSim{s: s} }

func (x *xiaoeSim) prepare(r *record, now time.Time) error {
	return fmt.Errorf("Xiaoe-tech is not simulated yet")
}
func (x *xiaoeSim) advance(r *record, now time.Time) {}
func (x *xiaoeSim) register(c ShopCredentials) error {
	return fmt.Errorf("Xiaoe-tech is not simulated yet")
}
func (x *xiaoeSim) routes(mux *http.ServeMux) {}

// DemoXiaoeCases returns the Xiaoe-tech demo cases for dev mode. STUB.
func DemoXiaoeCases(now time.Time) []DemoCase { return nil }
