package taobao

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"
)

// Sign methods TOP accepts in the sign_method parameter.
const (
	SignMD5        = "md5"
	SignHMAC       = "hmac"
	SignHMACSHA256 = "hmac-sha256"
)

// Sign computes the TOP signature of params as the official "Signature
// Algorithm" page describes: every parameter but sign, sorted by name in
// ASCII order, concatenated as name1value1name2value2 (empty values skipped),
// then MD5(secret+s+secret), HMAC-MD5(secret, s) or HMAC-SHA256(secret, s),
// in uppercase hex.
func Sign(params url.Values, secret, method string) (string, error) {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "sign" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		v := params.Get(name)
		if v == "" {
			continue
		}
		b.WriteString(name)
		b.WriteString(v)
	}
	s := b.String()

	var h hash.Hash
	switch method {
	case SignMD5, "":
		h = md5.New()
		h.Write([]byte(secret + s + secret))
	case SignHMAC:
		h = hmac.New(md5.New, []byte(secret))
		h.Write([]byte(s))
	case SignHMACSHA256:
		h = hmac.New(sha256.New, []byte(secret))
		h.Write([]byte(s))
	default:
		return "", fmt.Errorf("taobao: unknown sign_method %q", method)
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
}

// TimestampLayout is TOP's timestamp format; TOP reads it in GMT+8.
const TimestampLayout = "2006-01-02 15:04:05"
