package xiaoe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/platforms"
)

func TestPushHandler(t *testing.T) {
	const jsonPush = `{"type":"after_sale","app_id":"app1","message_id":"m1","retry_times":0,
		"xe_data":{"action":"create_aftersale","version":"1","app_id":"app1","order_id":"o1","aftersale_id":"A1","state":0}}`
	const xmlPush = `<xml><type>after_sale</type><app_id>app1</app_id><message_id>m2</message_id>
		<xe_data><action>create_aftersale</action><order_id>o2</order_id><aftersale_id>A2</aftersale_id></xe_data></xml>`
	var got []platforms.Hint
	fail := false
	h := NewPushHandler("xe-academy", func(_ context.Context, x platforms.Hint) error {
		if fail {
			return errors.New("temporal down")
		}
		got = append(got, x)
		return nil
	}, nil, nil)
	post := func(body string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(body)))
		return rec.Code
	}
	for _, tc := range []struct {
		name  string
		body  string
		fail  bool
		code  int
		hints int
	}{
		{"json push", jsonPush, false, http.StatusOK, 1},
		{"redelivery is acknowledged, not handed on", jsonPush, false, http.StatusOK, 1},
		{"decrypted xml push", xmlPush, false, http.StatusOK, 2},
		{"garbage", `{"type":`, false, http.StatusBadRequest, 2},
		{"no aftersale id", `{"type":"after_sale"}`, false, http.StatusBadRequest, 2},
		{"sink down: retry wanted", strings.Replace(jsonPush, "m1", "m3", 1), true, http.StatusServiceUnavailable, 2},
		{"its retry goes through", strings.Replace(jsonPush, "m1", "m3", 1), false, http.StatusOK, 3},
	} {
		fail = tc.fail
		if code := post(tc.body); code != tc.code || len(got) != tc.hints {
			t.Fatalf("%s: HTTP %d with %d hints, want %d with %d", tc.name, code, len(got), tc.code, tc.hints)
		}
	}
	if got[0].CaseID != "A1" || got[0].Platform != platforms.Xiaoe || got[1].CaseID != "A2" {
		t.Fatalf("hints = %+v", got)
	}
}
