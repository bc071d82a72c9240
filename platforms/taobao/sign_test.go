package taobao

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// The expected signatures are computed here from the documented algorithm
// on hand-written concatenations, independently of Sign's sorting code.
func TestSign(t *testing.T) {
	const secret = "helloworld"
	md5hex := func(s string) string {
		sum := md5.Sum([]byte(s))
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	hmacHex := func(s string, sha bool) string {
		h := hmac.New(md5.New, []byte(secret))
		if sha {
			h = hmac.New(sha256.New, []byte(secret))
		}
		h.Write([]byte(s))
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	}
	tests := []struct {
		method string
		concat string // name1value1name2value2… in ASCII order of names
		want   func(concat string) string
	}{
		{
			SignMD5,
			"app_key12345678fieldsrefund_id,status,refund_remind_timeoutformatjsonmethodtaobao.refund.getrefund_id123sessiontestsign_methodmd5timestamp2026-11-23 10:00:00v2.0",
			func(s string) string { return md5hex(secret + s + secret) },
		},
		{
			SignHMAC,
			"app_key12345678fieldsrefund_id,status,refund_remind_timeoutformatjsonmethodtaobao.refund.getrefund_id123sessiontestsign_methodhmactimestamp2026-11-23 10:00:00v2.0",
			func(s string) string { return hmacHex(s, false) },
		},
		{
			SignHMACSHA256,
			"app_key12345678fieldsrefund_id,status,refund_remind_timeoutformatjsonmethodtaobao.refund.getrefund_id123sessiontestsign_methodhmac-sha256timestamp2026-11-23 10:00:00v2.0",
			func(s string) string { return hmacHex(s, true) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			params := url.Values{
				"method":      {"taobao.refund.get"},
				"app_key":     {"12345678"},
				"session":     {"test"},
				"timestamp":   {"2026-11-23 10:00:00"},
				"format":      {"json"},
				"v":           {"2.0"},
				"sign_method": {tt.method},
				"refund_id":   {"123"},
				"fields":      {"refund_id,status,refund_remind_timeout"},
			}
			want := tt.want(tt.concat)
			got, err := Sign(params, secret, tt.method)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Sign = %s, want %s", got, want)
			}

			// sign itself and empty values are not signed.
			params.Set("sign", "WHATEVER")
			params.Set("partner_id", "")
			if got, _ := Sign(params, secret, tt.method); got != want {
				t.Errorf("Sign with sign and empty param = %s, want %s", got, want)
			}
		})
	}
	if _, err := Sign(url.Values{}, secret, "sha1"); err == nil {
		t.Error("unknown sign method: want an error")
	}
}
