package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// savedState is the sandbox on disk, so a dev-mode restart finds the
// platform where it left it, as a real platform would be.
type savedState struct {
	Cases   []savedCase `json:"cases"`
	Actions []Action    `json:"actions"`
}

type savedCase struct {
	StoredCase
	ShipAt time.Time `json:"ship_at,omitzero"`
}

// SaveFile writes every case and the action log to path atomically.
func (s *Sandbox) SaveFile(path string) error {
	s.mu.Lock()
	var st savedState
	for _, r := range s.sorted("", "") {
		st.Cases = append(st.Cases, savedCase{StoredCase: r.stored(), ShipAt: r.shipAt})
	}
	s.mu.Unlock()
	st.Actions = s.actions.all()
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sandbox-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadFile restores what SaveFile wrote. It reports false, without error,
// when there is no file yet.
func (s *Sandbox) LoadFile(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var st savedState
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // ids exceed 2^53
	if err := dec.Decode(&st); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range st.Cases {
		raw, err := json.Marshal(c.Case)
		if err != nil {
			return false, err
		}
		r, err := s.putCase(c.Platform, c.Shop, json.RawMessage(raw))
		if err != nil {
			return false, fmt.Errorf("%s: case %s/%s: %w", path, c.Platform, c.Shop, err)
		}
		s.mu.Lock()
		r.shipAt = c.ShipAt
		s.mu.Unlock()
	}
	for _, a := range st.Actions {
		s.actions.add(a)
	}
	return true, nil
}
