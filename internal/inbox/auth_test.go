package inbox

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBasicAuth(t *testing.T) {
	for _, tc := range []struct {
		name           string
		user, password string // configured
		path           string
		sendAuth       bool
		u, p           string // sent
		want           int
	}{
		{"no password configured: open", "", "", "/healthz", false, "", "", 200},
		{"healthz needs no auth", "ops", "s3cret", "/healthz", false, "", "", 200},
		{"no credentials", "ops", "s3cret", "/x", false, "", "", 401},
		{"right credentials", "ops", "s3cret", "/x", true, "ops", "s3cret", 200},
		{"wrong password", "ops", "s3cret", "/x", true, "ops", "s3cret!", 401},
		{"wrong user", "ops", "s3cret", "/x", true, "li", "s3cret", 401},
		{"any user with the shared password", "", "s3cret", "/x", true, "li.ops", "s3cret", 200},
		{"empty user refused", "", "s3cret", "/x", true, "", "s3cret", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &server{user: tc.user, pass: tc.password, log: discard()}
			h := s.basicAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := s.authUser(r); tc.password != "" && got != tc.u {
					t.Errorf("authUser = %q, want %q", got, tc.u)
				}
			}))
			r := httptest.NewRequest("GET", tc.path, nil)
			if tc.sendAuth {
				r.SetBasicAuth(tc.u, tc.p)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status = %d, want %d", w.Code, tc.want)
			}
			if w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
}
