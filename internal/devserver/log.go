package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts a *slog.Logger to the Temporal server's log.Logger.
// Records below min are dropped before their tags are rendered: the server
// logs a lot at debug and info level.
type slogLogger struct {
	l   *slog.Logger
	min slog.Leveler
	// stopping is shared by all loggers derived with With: once the server
	// is being stopped, its pollers and clients log connection errors that
	// mean nothing, so everything is dropped.
	stopping *atomic.Bool
}

var (
	_ log.Logger     = (*slogLogger)(nil)
	_ log.WithLogger = (*slogLogger)(nil)
)

func newSlogLogger(l *slog.Logger, minLevel slog.Leveler) *slogLogger {
	if l == nil {
		l = slog.Default()
	}
	if minLevel == nil {
		minLevel = slog.LevelWarn
	}
	return &slogLogger{l: l, min: minLevel, stopping: new(atomic.Bool)}
}

func (s *slogLogger) enabled(lvl slog.Level) bool {
	return !s.stopping.Load() && lvl >= s.min.Level() && s.l.Enabled(context.Background(), lvl)
}

func (s *slogLogger) log(lvl slog.Level, msg string, tags []tag.Tag) {
	if !s.enabled(lvl) {
		return
	}
	s.l.LogAttrs(context.Background(), lvl, msg, tagsToAttrs(tags)...)
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		if t == nil || t.Key() == "" {
			continue
		}
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

func (s *slogLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s *slogLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s *slogLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s *slogLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic logs at error level; the server only panics on it in development builds.
func (s *slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

func (s *slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal must not return (server code relies on it). A panic keeps the stack
// and, unlike os.Exit, lets a test binary report where it happened.
func (s *slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(fmt.Sprintf("temporal server fatal: %s", msg))
}

func (s *slogLogger) With(tags ...tag.Tag) log.Logger {
	attrs := tagsToAttrs(tags)
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return &slogLogger{l: s.l.With(args...), min: s.min, stopping: s.stopping}
}
