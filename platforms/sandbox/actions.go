package sandbox

import (
	"slices"
	"sync"
	"time"
)

// Action is one mutating API call the sandbox received after authentication,
// applied or not. One call acting on several cases logs one Action per case.
type Action struct {
	Platform string `json:"platform"`
	Shop     string `json:"shop"`
	CaseID   string `json:"case_id"`
	// Action is the platform's method or endpoint, e.g. "taobao.rp.refunds.agree".
	Action string `json:"action"`
	// Params are the business parameters, without credentials or signatures.
	Params map[string]string `json:"params"`
	At     time.Time         `json:"at"`
	OK     bool              `json:"ok"`
	Error  string            `json:"error"`
	// Version identifies the case as the call found it, before the call was
	// applied (a fingerprint of the stored case: see arrival.go); empty
	// when the call named no stored case.
	Version string `json:"version,omitempty"`
	// Deadline is the deadline of the case's state when the call arrived;
	// AfterDeadline says the call arrived at or after it, or after the
	// platform's own move at that deadline with nothing changed since.
	Deadline      time.Time `json:"deadline,omitzero"`
	AfterDeadline bool      `json:"after_deadline,omitempty"`
}

type actionLog struct {
	mu   sync.Mutex
	list []Action
}

func (l *actionLog) add(a Action) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, a)
}

func (l *actionLog) all() []Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

func (l *actionLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = nil
}

// Actions returns every mutating call received, oldest first.
func (s *Sandbox) Actions() []Action {
	out := s.actions.all()
	if out == nil {
		out = []Action{}
	}
	return out
}

// logAction records a mutating call.
func (s *Sandbox) logAction(a Action) {
	s.actions.add(a)
	s.log.Info("sandbox action", "platform", a.Platform, "shop", a.Shop, "case_id", a.CaseID,
		"action", a.Action, "ok", a.OK, "error", a.Error)
}
