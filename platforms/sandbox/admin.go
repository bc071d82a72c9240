package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// ShopCredentials registers a shop's API credentials (POST /_sandbox/shops).
// For TOP: app_key and app_secret add an app, session binds to shop (and
// to app_key when given).
type ShopCredentials struct {
	Platform  string `json:"platform"`
	Shop      string `json:"shop"`
	AppKey    string `json:"app_key,omitempty"`
	AppSecret string `json:"app_secret,omitempty"`
	Session   string `json:"session,omitempty"`
}

// RegisterShop adds a shop's credentials.
func (s *Sandbox) RegisterShop(c ShopCredentials) error {
	sim, ok := s.sims[c.Platform]
	if !ok {
		return fmt.Errorf("unknown platform %q", c.Platform)
	}
	if c.Shop == "" {
		return fmt.Errorf("shop is required")
	}
	if err := sim.register(c); err != nil {
		return err
	}
	s.log.Info("sandbox shop registered", "platform", c.Platform, "shop", c.Shop, "app_key", c.AppKey)
	return nil
}

// Reset clears cases, actions, call counters and faults. Registered
// credentials stay.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	s.cases = map[caseKey]*record{}
	s.mu.Unlock()
	s.actions.reset()
	s.calls.reset()
	s.faults.resetCounts()
	s.limits.reset()
	s.faults.reset()
	s.notifications.reset()
	s.log.Info("sandbox reset")
}

// adminRoutes serves the admin API (DESIGN §8) under /_sandbox/.
func (s *Sandbox) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sandbox/cases", s.adminPutCase)
	mux.HandleFunc("GET /_sandbox/cases", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		writeJSON(w, http.StatusOK, s.Cases(q.Get("platform"), q.Get("shop")))
	})
	mux.HandleFunc("GET /_sandbox/actions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Actions())
	})
	mux.HandleFunc("GET /_sandbox/calls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if !readJSON(w, r, &f) {
			return
		}
		if err := s.SetFaults(f); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /_sandbox/shops", func(w http.ResponseWriter, r *http.Request) {
		var c ShopCredentials
		if !readJSON(w, r, &c) {
			return
		}
		if err := s.RegisterShop(c); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
}

func (s *Sandbox) adminPutCase(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Platform string          `json:"platform"`
		Shop     string          `json:"shop"`
		Case     json.RawMessage `json:"case"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if len(req.Case) == 0 {
		adminError(w, http.StatusBadRequest, fmt.Errorf("case is required"))
		return
	}
	rec, err := s.putCase(req.Platform, req.Shop, req.Case)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	s.mu.Lock()
	c := rec.stored()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, c)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err == nil {
		err = decodeJSON(body, v)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, fmt.Errorf("bad JSON body: %w", err))
		return false
	}
	return true
}

func adminError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(code)
	w.Write(b)
}
