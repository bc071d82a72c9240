package rules

import (
	"log/slog"

	"github.com/expr-lang/expr"
)

// Option configures Load, LoadFS and NewEngine.
type Option func(*config)

type config struct {
	logger   *slog.Logger
	exprOpts []expr.Option
	root     string // prefix of file names in errors, e.g. the directory given to Load
}

func newConfig(opts []Option) *config {
	c := &config{logger: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithExprOptions adds expr options to every `when` compilation, e.g. extra
// helper functions with expr.Function.
func WithExprOptions(opts ...expr.Option) Option {
	return func(c *config) { c.exprOpts = append(c.exprOpts, opts...) }
}
