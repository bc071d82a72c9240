package inbox

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// sameOrigin refuses state-changing requests that another site makes a
// browser send: the inbox has no script, so every legitimate POST is a form
// submitted from one of its own pages.
func sameOrigin(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if crossSite(r) {
				log.Warn("inbox: cross-site request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"),
					"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "remote", r.RemoteAddr)
				http.Error(w, "cross-site request refused", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// crossSite reports whether the browser says the request comes from another
// origin: Sec-Fetch-Site other than same-origin, or an Origin whose host is
// not this server's. Requests without either header (curl, scripts) pass;
// basic auth is what guards those.
func crossSite(r *http.Request) bool {
	if v := r.Header.Get("Sec-Fetch-Site"); v != "" && v != "same-origin" {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	return false
}
