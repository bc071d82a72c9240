package inbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// basicAuth guards every page but /healthz when a password is configured.
func (s *server) basicAuth(next http.Handler) http.Handler {
	if s.pass == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || s.authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Warn("inbox: unauthorized request", "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Basic realm="aftersale inbox", charset="UTF-8"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

// authorized compares in constant time; hashing first hides the lengths.
func (s *server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok || u == "" {
		return false
	}
	userOK := 1
	if s.user != "" {
		userOK = sameSecret(u, s.user)
	}
	return userOK&sameSecret(p, s.pass) == 1
}

func sameSecret(a, b string) int {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:])
}

// authUser is the basic-auth user name of an authorized request, or "".
func (s *server) authUser(r *http.Request) string {
	if s.pass == "" {
		return ""
	}
	u, _, _ := r.BasicAuth()
	return u
}
