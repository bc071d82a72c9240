package platforms

import (
	"fmt"
	"sort"
	"sync"
)

// Registry finds the client for a platform and shop. Workers build it from
// config; workflows never see it (credentials stay out of histories).
type Registry struct {
	mu      sync.RWMutex
	clients map[string]Client
}

// NewRegistry returns a registry holding clients.
func NewRegistry(clients ...Client) *Registry {
	r := &Registry{clients: map[string]Client{}}
	for _, c := range clients {
		r.Add(c)
	}
	return r
}

// Add registers c for its platform and shop, replacing any earlier one.
func (r *Registry) Add(c Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clients[registryKey(c.Platform(), c.Shop())] = c
}

// Client returns the client for platform p and shop, or an invalid-kind error.
func (r *Registry) Client(p Platform, shop string) (Client, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.clients[registryKey(p, shop)]
	if !ok {
		return nil, &Error{Kind: ErrInvalid, Platform: p, Message: fmt.Sprintf("no credentials configured for shop %q", shop)}
	}
	return c, nil
}

// Clients returns every registered client sorted by platform and shop.
func (r *Registry) Clients() []Client {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Client, 0, len(r.clients))
	for _, c := range r.clients {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return registryKey(out[i].Platform(), out[i].Shop()) < registryKey(out[j].Platform(), out[j].Shop())
	})
	return out
}

func registryKey(p Platform, shop string) string { return string(p) + "/" + shop }
