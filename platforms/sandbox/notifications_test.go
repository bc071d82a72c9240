package sandbox

import (
	"net/http"
	"testing"
)

func TestNotificationsAreRecordedAndReset(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"event":"escalated","workflow_id":"case/taobao/shop1/1"}`, http.StatusOK},
		{`not json`, http.StatusBadRequest},
		{`{"event":"reminder"}`, http.StatusOK},
	} {
		if got := e.admin("POST", NotificationsPath, tc.body, nil); got != tc.want {
			t.Fatalf("POST %s: %d, want %d", tc.body, got, tc.want)
		}
	}
	var got []Notification
	e.admin("GET", NotificationsPath, nil, &got)
	if len(got) != 2 || string(got[0].Body) != `{"event":"escalated","workflow_id":"case/taobao/shop1/1"}` {
		t.Fatalf("notifications = %+v", got)
	}
	e.admin("POST", "/_sandbox/reset", nil, nil)
	e.admin("GET", NotificationsPath, nil, &got)
	if len(got) != 0 {
		t.Fatalf("after reset: %+v", got)
	}
}
