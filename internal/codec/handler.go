package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// HandlerOptions configure Handler. The zero value serves any namespace,
// without authentication and without CORS (CLI use only).
type HandlerOptions struct {
	// AllowedOrigins are the Temporal UI origins a browser may call the
	// endpoint from, exactly as the browser sends them: scheme://host[:port],
	// e.g. "http://127.0.0.1:8233" and "http://localhost:8233" (list both:
	// the origin is whatever host was typed). Requests carrying any other
	// Origin are refused with 403 and get no CORS headers.
	AllowedOrigins []string
	// BearerToken, when set, is required as "Authorization: Bearer <token>"
	// on /encode and /decode (compared in constant time). Decode reveals the
	// plaintext, so set it whenever the endpoint is reachable by more than
	// the operator. The CLI sends it with --codec-auth "Bearer <token>"; the
	// Temporal UI can only send its own SSO access token (codec
	// passAccessToken), so a UI user needs Authorize or a network boundary.
	BearerToken string
	// Authorize, when set, is consulted for requests that did not present
	// BearerToken (e.g. to validate the UI's SSO access token). Returning
	// false answers 401.
	Authorize func(*http.Request) bool
	// Namespaces, when set, are the only namespaces served. The namespace
	// comes from the X-Namespace header (the UI and CLI send it) or from a
	// /<namespace>/encode style path; a request naming neither is refused.
	Namespaces []string
	// MaxBodyBytes bounds a request body; 0 means 16 MiB.
	MaxBodyBytes int64
}

const defaultMaxBody = 16 << 20

// Handler serves the Temporal remote codec protocol for the keyring:
// POST /encode and POST /decode, each also under /<namespace>/ (the CLI's
// --codec-endpoint 'http://host:port/{namespace}' templating), with JSON
// bodies {"payloads":[...]} in protobuf JSON. It answers CORS preflights for
// AllowedOrigins (credentials allowed, headers Authorization,
// Authorization-Extras, Content-Type and X-Namespace) and enforces
// BearerToken / Authorize and Namespaces. Mount it at the root of its own
// listener or behind http.StripPrefix. k must not be nil.
func Handler(k *Keyring, opts HandlerOptions) http.Handler {
	h := &handler{
		codec:     converter.NewPayloadCodecHTTPHandler(NewCodec(k)),
		origins:   slices.Clone(opts.AllowedOrigins),
		authorize: opts.Authorize,
		spaces:    slices.Clone(opts.Namespaces),
		maxBody:   opts.MaxBodyBytes,
	}
	if opts.BearerToken != "" {
		sum := sha256.Sum256([]byte(opts.BearerToken))
		h.tokenSum = &sum
	}
	if h.maxBody <= 0 {
		h.maxBody = defaultMaxBody
	}
	return h
}

type handler struct {
	codec     http.Handler
	origins   []string
	tokenSum  *[32]byte
	authorize func(*http.Request) bool
	spaces    []string
	maxBody   int64
}

const (
	allowMethods = "POST, OPTIONS"
	allowHeaders = "Authorization, Authorization-Extras, Content-Type, X-Namespace"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin != "" {
		if !slices.Contains(h.origins, origin) {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return
		}
		// Set before any answer, including 401s, so the UI can read the
		// status instead of reporting a CORS failure.
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}

	pathNS, op, ok := splitPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}

	if r.Method == http.MethodOptions {
		// Preflight: browsers send no credentials here, so no auth.
		w.Header().Set("Allow", allowMethods)
		if origin != "" {
			w.Header().Set("Access-Control-Allow-Methods", allowMethods)
			w.Header().Set("Access-Control-Allow-Headers", allowHeaders)
			w.Header().Set("Access-Control-Max-Age", "600")
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				w.Header().Set("Access-Control-Allow-Private-Network", "true")
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", allowMethods)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aftersale codec"`)
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
		return
	}

	ns := pathNS
	if hdr := r.Header.Get("X-Namespace"); hdr != "" {
		if ns != "" && ns != hdr {
			http.Error(w, "X-Namespace does not match the namespace in the path", http.StatusBadRequest)
			return
		}
		ns = hdr
	}
	if len(h.spaces) > 0 && !slices.Contains(h.spaces, ns) {
		http.Error(w, "namespace not served by this codec endpoint", http.StatusForbidden)
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, h.maxBody)
	// The SDK handler only looks at the path's suffix.
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + op
	h.codec.ServeHTTP(w, r2)
}

func (h *handler) authorized(r *http.Request) bool {
	if h.tokenSum == nil && h.authorize == nil {
		return true
	}
	if h.tokenSum != nil {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") {
			sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
			if subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1 {
				return true
			}
		}
	}
	return h.authorize != nil && h.authorize(r)
}

// splitPath accepts /encode, /decode, /<ns>/encode and /<ns>/decode.
func splitPath(p string) (ns, op string, ok bool) {
	p = strings.TrimPrefix(p, "/")
	switch parts := strings.Split(p, "/"); {
	case len(parts) == 1:
		op = parts[0]
	case len(parts) == 2 && parts[0] != "":
		ns, op = parts[0], parts[1]
	default:
		return "", "", false
	}
	return ns, op, op == "encode" || op == "decode"
}
