package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxNotifications bounds what the dev webhook keeps.
const maxNotifications = 500

// Notification is one webhook body the sandbox received, as sent.
type Notification struct {
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`
}

// notificationLog is a stand-in chat room for dev mode: the worker's
// generic webhook posts here, and GET /_sandbox/notifications shows what
// ops would have been told.
type notificationLog struct {
	mu   sync.Mutex
	list []Notification
}

func (l *notificationLog) add(n Notification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, n)
	if len(l.list) > maxNotifications {
		l.list = l.list[len(l.list)-maxNotifications:]
	}
}

func (l *notificationLog) all() []Notification {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Notification{}, l.list...)
}

func (l *notificationLog) reset() {
	l.mu.Lock()
	l.list = nil
	l.mu.Unlock()
}

// NotificationsPath is where the sandbox takes webhook notifications.
const NotificationsPath = "/_sandbox/notifications"

func (s *Sandbox) notificationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+NotificationsPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || !json.Valid(body) {
			adminError(w, http.StatusBadRequest, errors.New("a notification must be a JSON body"))
			return
		}
		s.notifications.add(Notification{At: s.clock.Now(), Body: body})
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET "+NotificationsPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.notifications.all())
	})
}
