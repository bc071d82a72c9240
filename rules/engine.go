package rules

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// Engine serves decisions from the last ruleset of a directory that loaded
// without error. A broken edit never replaces a good ruleset; it is logged.
type Engine struct {
	dir     string
	fsys    fs.FS
	opts    []Option
	logger  *slog.Logger
	current atomic.Pointer[Ruleset]

	mu       sync.Mutex // serializes reloads
	lastSeen string     // content hash of the last load attempt
}

// NewEngine loads dir; it fails if that first load fails.
func NewEngine(dir string, opts ...Option) (*Engine, error) {
	e := &Engine{dir: dir, fsys: os.DirFS(dir), opts: append([]Option{withRoot(dir)}, opts...)}
	e.logger = newConfig(e.opts).logger
	rs, err := LoadFS(e.fsys, e.opts...)
	if err != nil {
		return nil, err
	}
	e.current.Store(rs)
	e.lastSeen = rs.Hash
	e.logger.Info("rules loaded", "dir", dir, "hash", rs.Hash, "files", len(rs.Files))
	return e, nil
}

// Current returns the ruleset in use.
func (e *Engine) Current() *Ruleset { return e.current.Load() }

// Evaluate decides with the current ruleset (see Ruleset.Evaluate).
func (e *Engine) Evaluate(c platforms.Case, now time.Time) (Decision, error) {
	return e.Current().Evaluate(c, now)
}

// Reload loads the directory again. On error it keeps the current ruleset,
// logs every problem with its file, line and column, and returns the error.
func (e *Engine) Reload() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reload()
}

func (e *Engine) reload() error {
	srcs, err := readSources(e.fsys)
	var rs *Ruleset
	if err == nil {
		e.lastSeen = hashSources(srcs)
		rs, err = load(srcs, newConfig(e.opts))
	}
	if err != nil {
		kept := e.Current().Hash
		for _, le := range Errors(err) {
			e.logger.Error("rules reload failed; keeping the last good ruleset",
				"file", le.File, "line", le.Line, "col", le.Column, "msg", le.Msg, "kept", kept)
		}
		if len(Errors(err)) == 0 {
			e.logger.Error("rules reload failed; keeping the last good ruleset", "dir", e.dir, "err", err, "kept", kept)
		}
		return err
	}
	old := e.current.Swap(rs)
	if old.Hash != rs.Hash {
		e.logger.Info("rules reloaded", "dir", e.dir, "hash", rs.Hash, "previous", old.Hash, "files", len(rs.Files))
	}
	return nil
}

// Watch polls the directory every interval until ctx is done, reloading
// when its content hash changes. A broken edit is logged once, not on every
// poll. Run it in its own goroutine. An interval ≤ 0 means 5s.
func (e *Engine) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		srcs, err := readSources(e.fsys)
		if err != nil {
			continue // e.g. the directory is being replaced; try again next tick
		}
		e.mu.Lock()
		if h := hashSources(srcs); h != e.lastSeen {
			_ = e.reload() // logs its own errors
		}
		e.mu.Unlock()
	}
}
