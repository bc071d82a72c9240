package codec

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const uiOrigin = "http://127.0.0.1:8233"

type call struct {
	method, path string
	headers      map[string]string
	body         []byte
}

func do(t *testing.T, srv *httptest.Server, c call) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, srv.URL+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func payloadsJSON(t *testing.T, ps ...*commonpb.Payload) []byte {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parsePayloads(t *testing.T, b []byte) []*commonpb.Payload {
	t.Helper()
	var ps commonpb.Payloads
	if err := protojson.Unmarshal(b, &ps); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return ps.Payloads
}

func TestHandlerRoundTrip(t *testing.T) {
	ring := testRing(t)
	srv := httptest.NewServer(Handler(ring, HandlerOptions{AllowedOrigins: []string{uiOrigin}}))
	defer srv.Close()

	var originals []*commonpb.Payload
	for _, p := range samplePayloads(t) {
		originals = append(originals, p)
	}

	for _, prefix := range []string{"", "/default"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/json", "X-Namespace": "default", "Origin": uiOrigin}
			resp, body := do(t, srv, call{"POST", prefix + "/encode", hdr, payloadsJSON(t, originals...)})
			if resp.StatusCode != 200 {
				t.Fatalf("encode: %d %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != uiOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q", got)
			}
			if bytes.Contains(body, []byte(phone)) {
				t.Error("encode response contains the plaintext")
			}
			enc := parsePayloads(t, body)
			if len(enc) != len(originals) {
				t.Fatalf("encode returned %d payloads, want %d", len(enc), len(originals))
			}
			for _, e := range enc {
				if string(e.Metadata["encoding"]) != EncodingEncrypted {
					t.Fatalf("encode returned %v", e.Metadata)
				}
			}
			// What the endpoint encrypts, the worker's codec reads ...
			local, err := NewCodec(ring).Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			// ... and what the worker encrypts, the endpoint decrypts (the UI's
			// path, with its ?preserveStorageRefs=true query).
			mine, err := NewCodec(ring).Encode(originals)
			if err != nil {
				t.Fatal(err)
			}
			resp, body = do(t, srv, call{"POST", prefix + "/decode?preserveStorageRefs=true", hdr, payloadsJSON(t, mine...)})
			if resp.StatusCode != 200 {
				t.Fatalf("decode: %d %s", resp.StatusCode, body)
			}
			dec := parsePayloads(t, body)
			for i := range originals {
				if !proto.Equal(local[i], originals[i]) || !proto.Equal(dec[i], originals[i]) {
					t.Errorf("payload %d: local %v, http %v, want %v", i, local[i], dec[i], originals[i])
				}
			}
		})
	}
}

func TestHandlerCORS(t *testing.T) {
	srv := httptest.NewServer(Handler(testRing(t), HandlerOptions{
		AllowedOrigins: []string{uiOrigin, "http://localhost:8233"},
		BearerToken:    "t0ken",
	}))
	defer srv.Close()

	preflight := func(origin string, extra map[string]string) call {
		h := map[string]string{
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type,x-namespace",
		}
		if origin != "" {
			h["Origin"] = origin
		}
		for k, v := range extra {
			h[k] = v
		}
		return call{method: "OPTIONS", path: "/decode", headers: h}
	}
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantOrigin string // "" = no CORS headers at all
		wantPNA    bool
	}{
		{"allowed origin", preflight(uiOrigin, nil), 204, uiOrigin, false},
		{"second allowed origin", preflight("http://localhost:8233", nil), 204, "http://localhost:8233", false},
		{"private network access", preflight(uiOrigin, map[string]string{"Access-Control-Request-Private-Network": "true"}), 204, uiOrigin, true},
		{"other origin", preflight("http://evil.example", nil), 403, "", false},
		{"other port", preflight("http://127.0.0.1:9999", nil), 403, "", false},
		{"null origin", preflight("null", nil), 403, "", false},
		{"no origin", preflight("", nil), 204, "", false},
		{"POST from other origin", call{method: "POST", path: "/decode", headers: map[string]string{"Origin": "http://evil.example", "Authorization": "Bearer t0ken"}, body: payloadsJSON(t)}, 403, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, srv, tc.c)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tc.wantStatus)
			}
			h := resp.Header
			if got := h.Get("Access-Control-Allow-Origin"); got != tc.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantOrigin)
			}
			if tc.wantOrigin == "" {
				for k := range h {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("unexpected CORS header %s: %s", k, h.Get(k))
					}
				}
				return
			}
			want := map[string]string{
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "POST, OPTIONS",
				"Access-Control-Allow-Headers":     "Authorization, Authorization-Extras, Content-Type, X-Namespace",
				"Access-Control-Max-Age":           "600",
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := h.Get("Access-Control-Allow-Private-Network") == "true"; got != tc.wantPNA {
				t.Errorf("Access-Control-Allow-Private-Network present = %v, want %v", got, tc.wantPNA)
			}
			if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary = %q, want Origin", h.Values("Vary"))
			}
		})
	}
}

func TestHandlerAuthAndNamespaces(t *testing.T) {
	ring := testRing(t)
	enc, err := NewCodec(ring).Encode([]*commonpb.Payload{{Data: []byte(phone)}})
	if err != nil {
		t.Fatal(err)
	}
	body := payloadsJSON(t, enc...)
	srv := httptest.NewServer(Handler(ring, HandlerOptions{
		AllowedOrigins: []string{uiOrigin},
		BearerToken:    "s3cret-token",
		Namespaces:     []string{"default", "aftersale"},
		Authorize:      func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer sso-token-ok" },
	}))
	defer srv.Close()

	tests := []struct {
		name       string
		path       string
		headers    map[string]string
		wantStatus int
		wantBody   string
	}{
		{"no token", "/decode", map[string]string{"X-Namespace": "default"}, 401, "Unauthorized"},
		{"no token, from the UI (CORS headers still set)", "/decode", map[string]string{"X-Namespace": "default", "Origin": uiOrigin}, 401, "Unauthorized"},
		{"wrong token", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "Bearer s3cret-tokem"}, 401, ""},
		{"token prefix", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "Bearer s3cret"}, 401, ""},
		{"basic scheme", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "Basic s3cret-token"}, 401, ""},
		{"token", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "Bearer s3cret-token"}, 200, phone},
		{"lowercase scheme", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "bearer s3cret-token"}, 200, phone},
		{"Authorize hook", "/decode", map[string]string{"X-Namespace": "default", "Authorization": "Bearer sso-token-ok"}, 200, phone},
		{"namespace in path", "/aftersale/decode", map[string]string{"Authorization": "Bearer s3cret-token"}, 200, phone},
		{"namespace not served", "/decode", map[string]string{"X-Namespace": "other", "Authorization": "Bearer s3cret-token"}, 403, "namespace not served"},
		{"no namespace", "/decode", map[string]string{"Authorization": "Bearer s3cret-token"}, 403, "namespace not served"},
		{"path and header disagree", "/default/decode", map[string]string{"X-Namespace": "aftersale", "Authorization": "Bearer s3cret-token"}, 400, "does not match"},
		{"unknown path", "/default/x/decode", map[string]string{"Authorization": "Bearer s3cret-token"}, 404, ""},
		{"unknown op", "/default/download", map[string]string{"Authorization": "Bearer s3cret-token"}, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := do(t, srv, call{"POST", tc.path, tc.headers, body})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, got, tc.wantStatus)
			}
			if tc.wantStatus == 200 {
				dec := parsePayloads(t, got)
				if len(dec) != 1 || string(dec[0].Data) != phone {
					t.Fatalf("decoded %v", dec)
				}
			} else if bytes.Contains(got, []byte(phone)) {
				t.Fatalf("refused request got the plaintext: %s", got)
			}
			if tc.wantBody != "" && tc.wantStatus != 200 && !strings.Contains(string(got), tc.wantBody) {
				t.Errorf("body %q does not contain %q", got, tc.wantBody)
			}
			if tc.wantStatus == 401 {
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if tc.headers["Origin"] != "" && resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
					t.Error("401 to the UI lacks CORS headers: the browser would hide the status")
				}
			}
		})
	}

	// Preflights carry no credentials and must pass without the token.
	resp, _ := do(t, srv, call{method: "OPTIONS", path: "/decode", headers: map[string]string{"Origin": uiOrigin, "Access-Control-Request-Method": "POST"}})
	if resp.StatusCode != 204 {
		t.Fatalf("preflight without token: %d", resp.StatusCode)
	}
}

func TestHandlerErrors(t *testing.T) {
	ring := testRing(t)
	srv := httptest.NewServer(Handler(ring, HandlerOptions{MaxBodyBytes: 1 << 10}))
	defer srv.Close()

	unknownKey := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte(EncodingEncrypted), MetadataKeyID: []byte("k-retired")}, Data: bytes.Repeat([]byte{1}, 40)}
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantBody   string
	}{
		{"GET", call{method: "GET", path: "/decode"}, 405, ""},
		{"bad JSON", call{method: "POST", path: "/decode", body: []byte("{not json")}, 400, ""},
		{"unknown key id", call{method: "POST", path: "/decode", body: payloadsJSON(t, unknownKey)}, 400, `key id "k-retired", which is not in the keyring`},
		{"body too large", call{method: "POST", path: "/encode", body: payloadsJSON(t, &commonpb.Payload{Data: bytes.Repeat([]byte("x"), 4<<10)})}, 400, "too large"},
		{"empty list", call{method: "POST", path: "/decode", body: []byte(`{"payloads":[]}`)}, 200, ""},
		{"unencrypted passes", call{method: "POST", path: "/decode", body: payloadsJSON(t, &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)})}, 200, "anNvbi9wbGFpbg=="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, srv, tc.c)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tc.wantStatus)
			}
			if tc.wantBody != "" && !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("body %q does not contain %q", body, tc.wantBody)
			}
		})
	}
}
