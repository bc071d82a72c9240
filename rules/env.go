package rules

import (
	"reflect"
	"slices"
	"time"

	"github.com/aftersale/aftersale/platforms"
	"github.com/expr-lang/expr"
)

// NoDeadlineHours is hours_left when a case has no deadline.
const NoDeadlineHours = 1e9

// Env is what a rule's `when` expression sees: the Case fields in snake_case,
// amount in major units, the evaluation time and a few helpers. It has no
// wall-clock: `now` is the time the caller passed in.
type Env struct {
	Platform       string    `expr:"platform" json:"platform"`
	Shop           string    `expr:"shop" json:"shop"`
	CaseID         string    `expr:"case_id" json:"case_id"`
	OrderID        string    `expr:"order_id" json:"order_id"`
	Kind           string    `expr:"kind" json:"kind"`
	Role           string    `expr:"role" json:"role"`
	Status         string    `expr:"status" json:"status"`
	PlatformStatus string    `expr:"platform_status" json:"platform_status"`
	Amount         float64   `expr:"amount" json:"amount"`             // major units, e.g. 200.07
	AmountMinor    int       `expr:"amount_minor" json:"amount_minor"` // minor units, e.g. 20007
	Currency       string    `expr:"currency" json:"currency"`
	Reason         string    `expr:"reason" json:"reason"`
	ReasonID       int       `expr:"reason_id" json:"reason_id"`
	GoodsStatus    string    `expr:"goods_status" json:"goods_status"`
	Flags          []string  `expr:"flags" json:"flags"`
	Items          int       `expr:"items" json:"items"` // number of item lines
	HasDeadline    bool      `expr:"has_deadline" json:"has_deadline"`
	Deadline       time.Time `expr:"deadline" json:"deadline"`
	HoursLeft      float64   `expr:"hours_left" json:"hours_left"` // to the deadline; NoDeadlineHours if none
	Now            time.Time `expr:"now" json:"now"`

	// HasFlag reports whether the platform raised a flag: has_flag("cs_involved").
	HasFlag func(name string) bool `expr:"has_flag" json:"-"`
}

// NewEnv builds the expression environment of a case at time now.
func NewEnv(c platforms.Case, now time.Time) Env {
	flags := slices.Clone(c.Flags)
	if flags == nil {
		flags = []string{}
	}
	e := Env{
		Platform:       string(c.Platform),
		Shop:           c.Shop,
		CaseID:         c.ID,
		OrderID:        c.OrderID,
		Kind:           string(c.Kind),
		Role:           string(c.Role),
		Status:         string(c.Status),
		PlatformStatus: c.PlatformStatus,
		Amount:         Major(c.Amount, c.Currency),
		AmountMinor:    int(c.Amount),
		Currency:       c.Currency,
		Reason:         c.Reason,
		ReasonID:       int(c.ReasonID),
		GoodsStatus:    string(c.GoodsStatus),
		Flags:          flags,
		Items:          len(c.Items),
		HasDeadline:    !c.Deadline.IsZero(),
		Deadline:       c.Deadline,
		HoursLeft:      NoDeadlineHours,
		Now:            now,
		HasFlag:        func(name string) bool { return slices.Contains(flags, name) },
	}
	if e.HasDeadline {
		e.HoursLeft = c.Deadline.Sub(now).Hours()
	}
	return e
}

// Value returns the value of the env variable named as in expressions, and
// whether such a variable exists. Helpers (functions) are not values.
func (e Env) Value(name string) (any, bool) {
	i, ok := envFields[name]
	if !ok {
		return nil, false
	}
	return reflect.ValueOf(e).Field(i).Interface(), true
}

// envFields maps expression names of value fields to their struct index.
var envFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[Env]()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Func {
			m[f.Tag.Get("expr")] = i
		}
	}
	return m
}()

// compileOptions are the expr options every `when` compiles with.
func compileOptions(extra []expr.Option) []expr.Option {
	opts := []expr.Option{
		expr.Env(Env{}),
		expr.AsBool(),
		// Evaluation must be deterministic given `now`: no wall-clock builtins.
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"),
	}
	return append(opts, extra...)
}
