package xportcn

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// Sign algorithms. Xportcn puts its system parameters in HTTP headers
// (access-key, timestamp, nonce-str: signed; user-id: not signed; signature:
// the result), but the exact hash is UNCONFIRMED in public docs
// (PLATFORMS.md §2.2). Ops must confirm the scheme with Xportcn ("parameter
// signature" in the development manual) and set it per shop.
const (
	// SignMD5 is the default, the scheme a public third-party client uses:
	// UPPER(HEX(MD5(accessKey + timestamp + nonceStr + accessSecret))), with
	// timestamp in Unix seconds [3P].
	SignMD5 = "md5"
	// SignMD5Millis is SignMD5 with the timestamp in Unix milliseconds:
	// PandaPon's docs (same vendor) show 13-digit timestamp header examples.
	SignMD5Millis = "md5-ms"
	// SignHMACSHA256 is UPPER(HEX(HMAC-SHA256(key=accessSecret,
	// accessKey + timestamp + nonceStr))), timestamp in Unix seconds.
	SignHMACSHA256 = "hmac-sha256"
)

// SignAlgorithms lists the schemes Sign knows.
var SignAlgorithms = []string{SignMD5, SignMD5Millis, SignHMACSHA256}

// NonceLength is the length of nonce-str the docs ask for.
const NonceLength = 32

// Sign computes the signature header of one request.
func Sign(algorithm, accessKey, accessSecret, timestamp, nonce string) (string, error) {
	s := accessKey + timestamp + nonce
	var h hash.Hash
	switch algorithm {
	case SignMD5, SignMD5Millis, "":
		h = md5.New()
		h.Write([]byte(s + accessSecret))
	case SignHMACSHA256:
		h = hmac.New(sha256.New, []byte(accessSecret))
		h.Write([]byte(s))
	default:
		return "", fmt.Errorf("xportcn: unknown sign algorithm %q (want one of %v)", algorithm, SignAlgorithms)
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
}

// Timestamp formats t as the timestamp header of algorithm.
func Timestamp(algorithm string, t time.Time) string {
	if algorithm == SignMD5Millis {
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// ParseTimestamp reads a timestamp header written by Timestamp.
func ParseTimestamp(algorithm, s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, fmt.Errorf("xportcn: bad timestamp %q", s)
	}
	if algorithm == SignMD5Millis {
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}

const nonceChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Nonce returns NonceLength random letters and digits.
func Nonce() string {
	b := make([]byte, NonceLength)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = nonceChars[int(b[i])%len(nonceChars)]
	}
	return string(b)
}
