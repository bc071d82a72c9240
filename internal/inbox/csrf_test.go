package inbox

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		headers      map[string]string
		want         int
	}{
		{"form from our page", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://inbox.local:8500"}, 200},
		{"no browser headers (curl)", "POST", nil, 200},
		{"origin only, same host", "POST", map[string]string{"Origin": "http://inbox.local:8500"}, 200},
		{"another site", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"same site, other origin", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"typed or bookmarked POST", "POST", map[string]string{"Sec-Fetch-Site": "none"}, 403},
		{"old browser, other origin", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"other port", "POST", map[string]string{"Origin": "http://inbox.local:9999"}, 403},
		{"opaque origin", "POST", map[string]string{"Origin": "null"}, 403},
		{"cross-site GET is only a read", "GET", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sameOrigin(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), discard())
			r := httptest.NewRequest(tc.method, "http://inbox.local:8500/decide", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status = %d, want %d", w.Code, tc.want)
			}
		})
	}
}
