package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// What a mutating call found when it reached the sandbox, so that a harness
// (the chaos soak) can tell from /_sandbox/actions alone whether a caller
// acted twice on one case version, or after a deadline.
//
// The version is a fingerprint of the stored case: any change to it, by
// the platform's own moves or by an action, gives a new one. The deadline
// is the one of the case's state when the call arrived (TOP
// refund_remind_timeout / exchange time_out, Xiaoe state_invalid_time,
// Xportcn timeoutDate; SHOPLINE has none). A call is after the deadline
// when that deadline had passed, or when the platform itself had moved
// the case at its deadline (its own timeout) and nothing changed the case
// since: the caller then acted on a state whose deadline had lapsed.

// arrival is what a mutating call found for one case.
type arrival struct {
	version       string
	deadline      time.Time
	afterDeadline bool
}

// arrivals applies every platform move due by now and describes each named
// case that exists, before the call itself is applied.
func (s *Sandbox) arrivals(platform, shop string, ids ...string) map[string]arrival {
	now := s.touch()
	defer s.mu.Unlock()
	sim := s.sims[platform]
	out := map[string]arrival{}
	for _, id := range ids {
		if r := s.find(platform, shop, id); r != nil && id != "" {
			out[id] = r.arrival(sim, now)
		}
	}
	return out
}

// arrival describes r as a call arriving at now finds it. Called with
// Sandbox.mu held.
func (r *record) arrival(sim simulator, now time.Time) arrival {
	a := arrival{version: fingerprint(r.native)}
	if d, ok := sim.deadline(r); ok {
		a.deadline, a.afterDeadline = d, !now.Before(d)
	}
	if !r.lapsedAt.IsZero() && r.lapsedFP == a.version {
		a.deadline, a.afterDeadline = r.lapsedAt, true
	}
	return a
}

// noteMove records a move the platform made on its own at at; lapse says
// it made it because the state's deadline passed. Called with Sandbox.mu
// held, after the move.
func (r *record) noteMove(at time.Time, lapse bool) {
	if lapse {
		r.lapsedAt, r.lapsedFP = at, fingerprint(r.native)
		return
	}
	r.lapsedAt, r.lapsedFP = time.Time{}, ""
}

// fingerprint identifies a native case's content.
func fingerprint(native map[string]any) string {
	b, err := json.Marshal(native)
	if err != nil {
		panic(err) // stored cases always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// setArrival copies what the call found for a.CaseID into a.
func (a *Action) setArrival(found map[string]arrival) {
	if x, ok := found[a.CaseID]; ok {
		a.Version, a.Deadline, a.AfterDeadline = x.version, x.deadline, x.afterDeadline
	}
}
