// Package platformtest holds the checks every platform client's tests and
// fuzz targets make of what a parser returns: the promises a Case and an
// Error keep whatever bytes a platform sent.
package platformtest

import (
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/rules"
)

var errorKinds = []platforms.ErrorKind{
	platforms.ErrRateLimited, platforms.ErrTransient, platforms.ErrAuth, platforms.ErrInvalid,
	platforms.ErrRefused, platforms.ErrUnsupported, platforms.ErrMalformed, platforms.ErrNotFound,
}

// CheckError fails t unless err is a classified *platforms.Error of p with
// a usable rate-limit wait, and returns it.
func CheckError(t testing.TB, err error, p platforms.Platform) *platforms.Error {
	t.Helper()
	var pe *platforms.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platforms.Error", err, err)
	}
	if pe.Platform != p || !slices.Contains(errorKinds, pe.Kind) {
		t.Fatalf("error %+v: platform or kind", pe)
	}
	if pe.RetryAfter < 0 || pe.Kind == platforms.ErrRateLimited && pe.RetryAfter == 0 {
		t.Fatalf("rate-limit wait %v in %+v", pe.RetryAfter, pe)
	}
	return pe
}

var exampleRules = sync.OnceValues(func() (*rules.Ruleset, error) {
	return rules.LoadFS(rules.Examples, rules.WithLogger(slog.New(slog.DiscardHandler)))
})

// CheckCase fails t unless c keeps what every parsed case promises: a
// non-negative amount, a normalized status, nothing allowed on an unknown
// one, UTC times, a JSON round trip (cases travel through Temporal as
// JSON), and example rules that decide it at now without acting on an
// unknown status.
func CheckCase(t testing.TB, c platforms.Case, now time.Time) {
	t.Helper()
	switch {
	case c.Amount < 0:
		t.Fatalf("negative amount %d", c.Amount)
	case !c.Status.Valid():
		t.Fatalf("status %q is not a normalized status", c.Status)
	case c.Deadline.IsZero() && c.DeadlineOwner != "":
		t.Fatalf("deadline owner %q without a deadline", c.DeadlineOwner)
	case c.Status == platforms.StatusUnknown && len(c.Allowed) > 0:
		t.Fatalf("unknown status allows %v", c.Allowed)
	}
	for _, a := range c.Allowed {
		if !a.Valid() || !a.Mutating() {
			t.Fatalf("allowed %q", a)
		}
	}
	for _, tm := range []time.Time{c.Deadline, c.Modified} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Fatalf("time %v not in UTC", tm)
		}
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("case does not encode: %v", err)
	}
	var back platforms.Case
	if err := json.Unmarshal(raw, &back); err != nil || c.Changed(back) || back.ID != c.ID {
		t.Fatalf("case does not round-trip: %v\n%s", err, raw)
	}
	rs, err := exampleRules()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := rs.Evaluate(c, now)
	if !d.Action.Valid() {
		t.Fatalf("decision %+v", d)
	}
	if c.Status == platforms.StatusUnknown && (d.Action.Mutating() || d.OnDeadline != "") {
		t.Fatalf("unknown status decided %s (on deadline %q)", d.Action, d.OnDeadline)
	}
}

// CheckGet checks what a client's Get returned when asked for id: either a
// well-formed error of p, or the very case asked for, which check examines.
func CheckGet(t testing.TB, p platforms.Platform, id string, c platforms.Case, err error, check func(testing.TB, platforms.Case)) {
	t.Helper()
	if err != nil {
		CheckError(t, err, p)
		return
	}
	if c.ID != id {
		t.Fatalf("asked for %q, got case %q", id, c.ID)
	}
	check(t, c)
}
