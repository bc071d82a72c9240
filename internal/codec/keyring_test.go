package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// secret returns a deterministic 32-byte test key.
func secret(seed byte) []byte { return bytes.Repeat([]byte{seed}, KeySize) }

func b64(seed byte) string { return base64.StdEncoding.EncodeToString(secret(seed)) }

func TestParseKeyring(t *testing.T) {
	url := base64.RawURLEncoding.EncodeToString([]byte("\xfb\xff" + strings.Repeat("u", 30)))
	tests := []struct {
		name, spec, current string
		wantCurrent         string
		wantIDs             []string
	}{
		{"one key", "k1:" + b64(1), "", "k1", []string{"k1"}},
		{"first is current", "k2:" + b64(2) + ",k1:" + b64(1), "", "k2", []string{"k2", "k1"}},
		{"explicit current", "k2:" + b64(2) + ",k1:" + b64(1), "k1", "k1", []string{"k2", "k1"}},
		{"spaces, newlines, trailing comma", "\n k2026b : " + b64(2) + " ,\n k2026a:" + b64(1) + ",\n", " k2026a ", "k2026a", []string{"k2026b", "k2026a"}},
		{"unpadded", "k1:" + strings.TrimRight(b64(1), "="), "", "k1", []string{"k1"}},
		{"url-safe", "k.url_1-x:" + url, "", "k.url_1-x", []string{"k.url_1-x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeyring(tc.spec, tc.current)
			if err != nil {
				t.Fatalf("ParseKeyring: %v", err)
			}
			if k.CurrentID() != tc.wantCurrent {
				t.Errorf("current = %q, want %q", k.CurrentID(), tc.wantCurrent)
			}
			if got := strings.Join(k.IDs(), ","); got != strings.Join(tc.wantIDs, ",") {
				t.Errorf("ids = %s, want %v", got, tc.wantIDs)
			}
		})
	}
}

func TestParseKeyringErrors(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 24))
	// A raw-URL base64 key (43 chars, all id-legal) pasted as the current id.
	pasted := base64.RawURLEncoding.EncodeToString(secret(9))
	tests := []struct {
		name, spec, current string
		want                string
		secrets             []string // must not appear in the error
	}{
		{"empty", "", "", "no entries", nil},
		{"only commas", " , ,", "", "no entries", nil},
		{"no colon (key without id)", b64(1), "", "entry 1: want <id>:<base64 key>", []string{b64(1)}},
		{"empty id", ":" + b64(1), "", "entry 1: a key id is", []string{b64(1)}},
		{"reversed id and key", b64(1) + ":k1", "", "entry 1: a key id is", []string{b64(1), strings.TrimRight(b64(1), "=")}},
		{"bad id chars", "k 1:" + b64(1), "", "entry 1: a key id is", []string{b64(1)}},
		{"id too long", strings.Repeat("k", 65) + ":" + b64(1), "", "entry 1: a key id is", []string{b64(1)}},
		{"bad base64", "k1:" + b64(1) + ",k2:not*base64!" + b64(2)[10:], "", `entry 2 (id "k2"): the key is not valid base64`, []string{b64(1), b64(2)[10:]}},
		{"wrong length", "k1:" + short, "", `entry 1 (id "k1"): the key is 24 bytes, want 32`, []string{short}},
		{"duplicate id", "k1:" + b64(1) + ",k2:" + b64(2) + ",k1:" + b64(3), "", `entry 3: duplicate key id "k1"`, []string{b64(1), b64(2), b64(3)}},
		{"unknown current", "k1:" + b64(1) + ",k2:" + b64(2), "k3", "the current key id is not one of the keys (ids: k1, k2)", []string{b64(1), b64(2), "k3"}},
		{"key pasted as current id", "k1:" + b64(1), pasted, "the current key id is not one of the keys (ids: k1)", []string{b64(1), pasted}},
		{"key with padding pasted as current id", "k1:" + b64(1), b64(2), "the current key id: a key id is", []string{b64(1), b64(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeyring(tc.spec, tc.current)
			if err == nil {
				t.Fatalf("ParseKeyring succeeded (%v), want error containing %q", k, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			for _, s := range tc.secrets {
				if s != "" && strings.Contains(msg, s) {
					t.Errorf("error %q leaks %q", msg, s)
				}
			}
		})
	}
}

func TestNewKeyringErrors(t *testing.T) {
	tests := []struct {
		name    string
		current string
		keys    []Key
		want    string
	}{
		{"no keys", "", nil, "no keys"},
		{"short key", "", []Key{{ID: "k1", Secret: secret(1)[:16]}}, `key "k1" is 16 bytes, want 32`},
		{"duplicate", "", []Key{{ID: "k1", Secret: secret(1)}, {ID: "k1", Secret: secret(2)}}, `duplicate key id "k1"`},
		{"bad id", "", []Key{{ID: "k:1", Secret: secret(1)}}, "key 1: a key id is"},
		{"unknown current", "k9", []Key{{ID: "k1", Secret: secret(1)}}, "not one of the keys (ids: k1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewKeyring(tc.current, tc.keys...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestKeyringWithCurrent(t *testing.T) {
	k := mustRing(t, "k1", Key{ID: "k1", Secret: secret(1)}, Key{ID: "k2", Secret: secret(2)})
	k2, err := k.WithCurrent("k2")
	if err != nil {
		t.Fatal(err)
	}
	if k.CurrentID() != "k1" || k2.CurrentID() != "k2" {
		t.Fatalf("current ids = %s, %s; want k1, k2 (the original unchanged)", k.CurrentID(), k2.CurrentID())
	}
	if _, err := k.WithCurrent("k3"); err == nil {
		t.Fatal("WithCurrent(unknown) succeeded")
	}
	if !k.Has("k2") || k.Has("k3") {
		t.Fatal("Has is wrong")
	}
}

func TestKeyringPrintsNoKeyMaterial(t *testing.T) {
	k := mustRing(t, "", Key{ID: "k1", Secret: secret(0xA5)}, Key{ID: "k2", Secret: secret(0x5A)})
	holder := struct {
		Name string
		Ring *Keyring
	}{"cfg", k}
	for _, out := range []string{
		fmt.Sprintf("%v|%+v|%#v|%s|%x|%q", k, k, k, k, k, k),
		fmt.Sprintf("%v|%+v|%#v", holder, holder, holder),
		fmt.Sprint(k), fmt.Sprint((*Keyring)(nil)),
	} {
		for _, leak := range []string{b64(0xA5), b64(0x5A), hex.EncodeToString(secret(0xA5)), "a5a5a5", "5a5a5a", "165 165", "90 90"} {
			if strings.Contains(strings.ToLower(out), leak) {
				t.Errorf("formatted keyring %q leaks %q", out, leak)
			}
		}
	}
	if got := k.String(); got != "Keyring(current=k1, ids=[k1 k2])" {
		t.Errorf("String() = %q", got)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name, keys, id string
		wantNil        bool
		wantCurrent    string
		wantErr        string
	}{
		{name: "unset", wantNil: true},
		{name: "blank", keys: "  ", wantNil: true},
		{name: "keys", keys: "k2026b:" + b64(2) + ",k2026a:" + b64(1), wantCurrent: "k2026b"},
		{name: "keys and id", keys: "k2026b:" + b64(2) + ",k2026a:" + b64(1), id: "k2026a", wantCurrent: "k2026a"},
		{name: "id without keys", id: "k2026a", wantErr: "AFTERSALE_PAYLOAD_KEY_ID is set but AFTERSALE_PAYLOAD_KEYS is empty"},
		{name: "bad keys", keys: "k1:" + b64(1)[:20], wantErr: "AFTERSALE_PAYLOAD_KEYS/AFTERSALE_PAYLOAD_KEY_ID: payload keys: entry 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvKeys, tc.keys)
			t.Setenv(EnvKeyID, tc.id)
			k, err := FromEnv()
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if tc.keys != "" && strings.Contains(err.Error(), tc.keys[3:]) {
					t.Fatalf("error leaks the key: %v", err)
				}
			case err != nil:
				t.Fatalf("FromEnv: %v", err)
			case tc.wantNil:
				if k != nil {
					t.Fatalf("keyring = %v, want nil", k)
				}
			case k.CurrentID() != tc.wantCurrent:
				t.Fatalf("current = %s, want %s", k.CurrentID(), tc.wantCurrent)
			}
		})
	}
}

func mustRing(t *testing.T, current string, keys ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
