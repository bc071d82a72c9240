// Package inbox serves the escalation inbox: the escalated cases waiting for
// a person, soonest deadline first, and one page per case where a person
// decides. It talks only to Temporal (visibility, the case workflow's "state"
// query and its "decide" update) and keeps no state of its own.
package inbox

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aftersale/aftersale/platforms"
)

// Options configure the inbox handler.
type Options struct {
	Client client.Client
	Logger *slog.Logger
	// User and Password turn on HTTP basic auth when Password is set. With
	// User empty any user name is accepted with the password. The user name
	// is the default "by" of a decision.
	User, Password string
	// Now is the clock for "in 3h10m"; nil means time.Now.
	Now func() time.Time
}

const (
	// readTimeout bounds the Temporal calls that load a page.
	readTimeout = 15 * time.Second
	// decideTimeout bounds waiting for a decision to be carried out.
	decideTimeout = 60 * time.Second
)

type server struct {
	c             client.Client
	log           *slog.Logger
	user, pass    string
	now           func() time.Time
	decideTimeout time.Duration
}

// New returns the inbox's HTTP handler:
//
//	GET  /            escalated running cases, soonest deadline first (?platform= &shop=)
//	GET  /case?id=    one case: details, decision form, decision record
//	POST /decide      carries out a decision through the decide update
//	GET  /healthz     "ok", without auth
func New(o Options) http.Handler {
	s := &server{c: o.Client, log: o.Logger, user: o.User, pass: o.Password, now: o.Now, decideTimeout: decideTimeout}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.list)
	mux.HandleFunc("GET /case", s.casePage)
	mux.HandleFunc("POST /decide", s.decide)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	return secureHeaders(s.basicAuth(sameOrigin(mux, s.log)))
}

// secureHeaders keeps the pages out of frames, caches and other origins'
// reach: the only inline content is the stylesheet, there is no script.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

//go:embed templates/*.html
var templateFS embed.FS

var funcs = template.FuncMap{
	"money":       formatMoney,
	"deadline":    showDeadline,
	"time":        showTime,
	"stamp":       showStamp,
	"hash":        shortHash,
	"buttonClass": buttonClass,
	"platformNames": func() []platforms.Platform {
		return []platforms.Platform{platforms.Taobao, platforms.Xiaoe, platforms.Shopline, platforms.Xportcn}
	},
}

var pages = map[string]*template.Template{
	"list":  parsePage("list.html"),
	"case":  parsePage("case.html"),
	"error": parsePage("error.html"),
}

func parsePage(name string) *template.Template {
	return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
}

// render writes a page whole, or a plain 500 if the template fails.
func (s *server) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("inbox: rendering failed", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

type errorPage struct {
	Title, Message string
}

func (s *server) fail(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error", errorPage{Title: http.StatusText(status), Message: msg})
}
