package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the length of every key in a Keyring: AES-256.
const KeySize = 32

// maxKeyIDLen bounds key ids: they are written into every encrypted payload.
const maxKeyIDLen = 64

// Key is one named AES-256 key.
type Key struct {
	// ID names the key in the payloads it encrypts (metadata
	// "encryption-key-id"). Letters, digits, '.', '_' and '-', at most 64.
	ID string
	// Secret is the 32-byte AES-256 key.
	Secret []byte
}

// Keyring holds named AES-256 keys, one of which is current: new payloads
// are encrypted with the current key, and every key in the ring can decrypt
// the payloads that name it. Rotation is: add a new key, make it current,
// keep the old ones for as long as histories written with them are read.
//
// A Keyring is immutable and safe for concurrent use. Its String and Format
// methods print key ids only, never key material.
type Keyring struct {
	ids     []string // in the order given
	aeads   map[string]cipher.AEAD
	current string
}

// NewKeyring builds a keyring from keys. current names the key used for new
// payloads; empty means the first key. Secrets are copied.
func NewKeyring(current string, keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("payload keyring: no keys")
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, key := range keys {
		if !validKeyID(key.ID) {
			// The id is not echoed: a malformed id may be a pasted key.
			return nil, fmt.Errorf("payload keyring: key %d: %s", i+1, keyIDRule)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("payload keyring: duplicate key id %q", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("payload keyring: key %q is %d bytes, want %d (AES-256)", key.ID, len(key.Secret), KeySize)
		}
		block, err := aes.NewCipher(key.Secret) // copies the key schedule
		if err != nil {
			return nil, fmt.Errorf("payload keyring: key %q: cannot build AES cipher", key.ID)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("payload keyring: key %q: cannot build AES-GCM", key.ID)
		}
		k.aeads[key.ID] = aead
		k.ids = append(k.ids, key.ID)
	}
	if current == "" {
		current = k.ids[0]
	}
	if _, ok := k.aeads[current]; !ok {
		// Not echoed either: it may be a key pasted into the wrong variable.
		return nil, fmt.Errorf("payload keyring: the current key id is not one of the keys (ids: %s)", strings.Join(k.ids, ", "))
	}
	k.current = current
	return k, nil
}

// ParseKeyring parses the AFTERSALE_PAYLOAD_KEYS format:
//
//	<id>:<base64 key>[,<id>:<base64 key>...]
//
// Each key decodes (standard or URL-safe base64, padding optional) to exactly
// 32 bytes; generate one with `openssl rand -base64 32`. Spaces and newlines
// around entries are ignored, so the value may be wrapped. current names the
// key for new payloads (AFTERSALE_PAYLOAD_KEY_ID); empty means the first
// entry. Errors name entries by position and id, never by their key material.
func ParseKeyring(spec, current string) (*Keyring, error) {
	var keys []Key
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("payload keys: entry %d: want <id>:<base64 key>", i+1)
		}
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		if !validKeyID(id) {
			return nil, fmt.Errorf("payload keys: entry %d: %s", i+1, keyIDRule)
		}
		secret, err := decodeBase64(b64)
		if err != nil {
			// err is not wrapped: it would only add an offset, but stay safe.
			return nil, fmt.Errorf("payload keys: entry %d (id %q): the key is not valid base64", i+1, id)
		}
		if len(secret) != KeySize {
			return nil, fmt.Errorf("payload keys: entry %d (id %q): the key is %d bytes, want %d (AES-256; `openssl rand -base64 32`)", i+1, id, len(secret), KeySize)
		}
		for _, prev := range keys {
			if prev.ID == id {
				return nil, fmt.Errorf("payload keys: entry %d: duplicate key id %q", i+1, id)
			}
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("payload keys: no entries (want <id>:<base64 key>[,...])")
	}
	current = strings.TrimSpace(current)
	if current != "" && !validKeyID(current) {
		return nil, fmt.Errorf("payload keys: the current key id: %s", keyIDRule)
	}
	k, err := NewKeyring(current, keys...)
	for i := range keys {
		clear(keys[i].Secret)
	}
	return k, err
}

// CurrentID is the id of the key new payloads are encrypted with.
func (k *Keyring) CurrentID() string { return k.current }

// IDs lists every key id in the ring, in the order given.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// Has reports whether the ring holds a key with this id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.aeads[id]
	return ok
}

// WithCurrent returns a copy of the ring whose current key is id.
func (k *Keyring) WithCurrent(id string) (*Keyring, error) {
	if !k.Has(id) {
		return nil, fmt.Errorf("payload keyring: the current key id is not one of the keys (ids: %s)", strings.Join(k.ids, ", "))
	}
	c := *k
	c.current = id
	return &c, nil
}

// String describes the ring by its key ids only.
func (k *Keyring) String() string {
	if k == nil {
		return "Keyring(none)"
	}
	return fmt.Sprintf("Keyring(current=%s, ids=[%s])", k.current, strings.Join(k.ids, " "))
}

// Format prints String for every verb (%v, %+v, %#v, %x...), so logging a
// keyring or a struct holding one cannot leak the AES key schedule.
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

func (k *Keyring) aead(id string) (cipher.AEAD, bool) {
	a, ok := k.aeads[id]
	return a, ok
}

const keyIDRule = "a key id is 1-64 letters, digits, '.', '_' or '-'"

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
