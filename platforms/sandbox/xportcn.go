package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// XportcnOptions configure the Xportcn simulator.
// STUB: replaced by the Xportcn simulator.
type XportcnOptions struct{}

// xportcnSim simulates Xportcn. STUB.
type xportcnSim struct{ s *Sandbox }

func newXportcn(s *Sandbox, _ XportcnOptions) *xportcnSim { return &xportcnSim{s: s} }

func (x *xportcnSim) prepare(r *record, now time.Time) error {
	return fmt.Errorf("Xportcn is not simulated yet")
}
func (x *xportcnSim) advance(r *record, now time.Time) {}
func (x *xportcnSim) register(c ShopCredentials) error {
	return fmt.Errorf("Xportcn is not simulated yet")
}
func (x *xportcnSim) routes(mux *http.ServeMux) {}

// DemoXportcnCases returns the Xportcn demo cases for dev mode. STUB.
func DemoXportcnCases(now time.Time) []DemoCase { return nil }
