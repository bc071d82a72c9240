package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	const agree = "taobao.rp.refunds.agree"
	tests := []struct {
		kind    string
		applied bool // the case moved despite the fault
		check   func(t *testing.T, status int, body []byte)
	}{
		{Fault429, false, func(t *testing.T, status int, body []byte) {
			var m map[string]any
			if err := decodeJSON(body, &m); err != nil || status != http.StatusOK {
				t.Fatalf("HTTP %d %s", status, body)
			}
			er := m["error_response"].(map[string]any)
			if code, _ := errCode(m); code != 7 || getString(er, "sub_msg") != "This ban will last for 1 more seconds" ||
				getString(er, "sub_code") != "accesscontrol.limited-by-app-access-count" {
				t.Fatalf("429 fault answered %s", body)
			}
		}},
		{Fault500, false, func(t *testing.T, status int, body []byte) {
			if status != http.StatusInternalServerError {
				t.Fatalf("HTTP %d, want 500", status)
			}
		}},
		{FaultMalformed, false, func(t *testing.T, status int, body []byte) {
			if status != http.StatusOK || json.Valid(body) || !strings.HasPrefix(string(body), `{"rp_refunds_agree_response"`) {
				t.Fatalf("HTTP %d, body %s: want truncated JSON", status, body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			e := newEnv(t)
			e.put(testShop, refundCase("1", nil))
			if err := e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{tt.kind}}); err != nil {
				t.Fatal(err)
			}
			status, body := e.post(sign(t, e.params(agree, map[string]string{"refund_infos": "1|10000|1700000000000"}),
				DefaultTOPAppSecret))
			tt.check(t, status, body)
			if got := getString(e.stored("1"), "status"); (got == topSuccess) != tt.applied {
				t.Fatalf("status %s after a %s fault", got, tt.kind)
			}
			acts := e.sb.Actions()
			if len(acts) != 1 || acts[0].OK || acts[0].CaseID != "1" {
				t.Fatalf("actions %+v", acts)
			}
		})
	}
}

func TestFaultTimeoutAppliesThenHangs(t *testing.T) {
	e := newEnv(t)
	e.put(testShop, refundCase("1", nil))
	if err := e.sb.SetFaults(Faults{Rate: 1, Kinds: []string{FaultTimeout}}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	resp, err := client.PostForm(e.url+"/router/rest", sign(t, e.params("taobao.rp.refunds.agree",
		map[string]string{"refund_infos": "1|10000|1700000000000"}), DefaultTOPAppSecret))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want a timeout", resp.StatusCode)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("client timeout did not end the request")
	}
	if got := getString(e.stored("1"), "status"); got != topSuccess {
		t.Fatalf("status %s: a timeout fault applies the call", got)
	}
	if acts := e.sb.Actions(); len(acts) != 1 || !acts[0].OK {
		t.Fatalf("actions %+v", acts)
	}
}

func TestFaultFilters(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		method string
		code   int // TOP error code the call gets
	}{
		{"rate 0 disables", Faults{Rate: 0, Kinds: []string{Fault429}}, listMethod, 0},
		{"other method spared", Faults{Rate: 1, Kinds: []string{Fault429}, Methods: []string{"taobao.rp.refunds.agree"}}, listMethod, 0},
		{"listed method hit", Faults{Rate: 1, Kinds: []string{Fault429}, Methods: []string{listMethod}}, listMethod, 7},
		{"empty kinds means all", Faults{Rate: 1, Seed: new(uint64(3))}, listMethod, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.sb.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			if tt.code < 0 { // any fault will do: just check one is picked
				if k := e.sb.faults.pick(listMethod); k == "" {
					t.Fatal("no fault picked at rate 1")
				}
				return
			}
			code, _ := errCode(e.call(tt.method, map[string]string{"fields": "refund_id"}))
			if code != tt.code {
				t.Fatalf("code %d, want %d", code, tt.code)
			}
		})
	}
}

func TestFaultsAreSeedable(t *testing.T) {
	picks := func() string {
		e := newEnv(t)
		seed := uint64(42)
		if err := e.sb.SetFaults(Faults{Rate: 0.5, Seed: &seed}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for range 50 {
			b.WriteString(e.sb.faults.pick(listMethod) + ",")
		}
		return b.String()
	}
	a, b := picks(), picks()
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, ",,"); n == 0 || n == 49 {
		t.Fatalf("rate 0.5 gave %d clean calls of 50", n)
	}
}

func TestFaultsValidation(t *testing.T) {
	tests := []struct {
		name string
		body string
		code int
	}{
		{"ok", `{"rate":0.2,"kinds":["429","500","timeout","malformed"]}`, http.StatusOK},
		{"methods", `{"rate":0.2,"kinds":["429"],"methods":["taobao.refund.get"]}`, http.StatusOK},
		{"unknown kind", `{"rate":0.2,"kinds":["503"]}`, http.StatusBadRequest},
		{"rate above 1", `{"rate":1.5}`, http.StatusBadRequest},
		{"negative rate", `{"rate":-0.1}`, http.StatusBadRequest},
		{"not JSON", `rate=1`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if code := e.admin("POST", "/_sandbox/faults", tt.body, nil); code != tt.code {
				t.Fatalf("HTTP %d, want %d", code, tt.code)
			}
		})
	}
}
