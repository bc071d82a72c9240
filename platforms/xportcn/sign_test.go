package xportcn

import (
	"strings"
	"testing"
	"time"
)

func TestSign(t *testing.T) {
	const key, secret, nonce = "ak-123", "secret-xyz", "abcdefghijklmnopqrstuvwxyz012345"
	// Expected values computed independently (Python hashlib/hmac).
	tests := []struct {
		algorithm, timestamp, want string
	}{
		{SignMD5, "1700000000", "143A29E5BEB3D4C6A1A72F74A89E8867"},
		{"", "1700000000", "143A29E5BEB3D4C6A1A72F74A89E8867"},
		{SignMD5Millis, "1700000000000", "244DCEC9DA338BA46E1E96A15D3C7A3B"},
		{SignHMACSHA256, "1700000000", "3A2ABE1DDAC8AA26ADB41F4D3962FDB362796921C9C0C284A340C4DD630E09A2"},
	}
	for _, tt := range tests {
		got, err := Sign(tt.algorithm, key, secret, tt.timestamp, nonce)
		if err != nil || got != tt.want {
			t.Errorf("Sign(%q) = %s, %v; want %s", tt.algorithm, got, err, tt.want)
		}
	}
	if _, err := Sign("sha1", key, secret, "1", nonce); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

func TestTimestamp(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 0, 0, 123e6, time.UTC)
	for _, tt := range []struct{ algorithm, want string }{
		{SignMD5, "1795399200"}, {SignHMACSHA256, "1795399200"}, {SignMD5Millis, "1795399200123"},
	} {
		got := Timestamp(tt.algorithm, at)
		if got != tt.want {
			t.Errorf("Timestamp(%s) = %s, want %s", tt.algorithm, got, tt.want)
		}
		back, err := ParseTimestamp(tt.algorithm, got)
		if err != nil || back.Sub(at).Abs() >= time.Second {
			t.Errorf("ParseTimestamp(%s, %s) = %v, %v", tt.algorithm, got, back, err)
		}
	}
	for _, bad := range []string{"", "abc", "-5", "1.5"} {
		if _, err := ParseTimestamp(SignMD5, bad); err == nil {
			t.Errorf("ParseTimestamp(%q) accepted", bad)
		}
	}
}

func TestNonce(t *testing.T) {
	a, b := Nonce(), Nonce()
	if len(a) != NonceLength || a == b {
		t.Fatalf("nonces %q, %q", a, b)
	}
	if strings.Trim(a, nonceChars) != "" {
		t.Fatalf("nonce %q has other characters", a)
	}
}
