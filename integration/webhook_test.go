package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftersale/aftersale/notify"
)

// Webhook secrets of the test targets.
const (
	hookGenericSecret  = "generic-signing-secret"
	hookDingTalkSecret = "SEC-dingtalk-signing-secret"
)

// hookReceiver is a local webhook endpoint for both test targets. It checks
// the signatures as DingTalk and a careful generic receiver would, refuses
// the first delivery of every generic notice with a 503 (so retries are
// exercised), and records what it accepted.
type hookReceiver struct {
	mu       sync.Mutex
	notices  []receivedNotice
	refused  map[string]bool
	rejected []string // bad signatures
}

type receivedNotice struct {
	Format string
	At     time.Time
	Notice notify.Notice // generic: the whole notice; dingtalk: Text holds the message
	Text   string
}

func startHookReceiver() (*hookReceiver, []notify.Target, error) {
	h := &hookReceiver{refused: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /generic", h.generic)
	mux.HandleFunc("POST /dingtalk", h.dingtalk)
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	return h, []notify.Target{
		{Name: "ops-generic", URL: base + "/generic", Format: "generic", Secret: hookGenericSecret},
		{Name: "ops-dingtalk", URL: base + "/dingtalk?access_token=test-token", Format: "dingtalk", Secret: hookDingTalkSecret},
	}, nil
}

func (h *hookReceiver) generic(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(hookGenericSecret))
	mac.Write(body)
	if r.Header.Get("X-Aftersale-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		h.reject(w, "generic: bad signature")
		return
	}
	var n notify.Notice
	if err := json.Unmarshal(body, &n); err != nil {
		h.reject(w, "generic: "+err.Error())
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	key := n.WorkflowID + "|" + string(n.Event)
	if !h.refused[key] {
		h.refused[key] = true
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	h.notices = append(h.notices, receivedNotice{Format: "generic", At: time.Now(), Notice: n})
}

func (h *hookReceiver) dingtalk(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	mac := hmac.New(sha256.New, []byte(hookDingTalkSecret))
	fmt.Fprintf(mac, "%d\n%s", ts, hookDingTalkSecret)
	if q.Get("access_token") != "test-token" || q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) ||
		time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
		h.reject(w, "dingtalk: bad signature")
		return
	}
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"markdown"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &msg); err != nil || msg.MsgType != "markdown" {
		h.reject(w, "dingtalk: not a markdown message")
		return
	}
	h.mu.Lock()
	h.notices = append(h.notices, receivedNotice{Format: "dingtalk", At: time.Now(), Text: msg.Markdown.Title + "\n" + msg.Markdown.Text})
	h.mu.Unlock()
	w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

func (h *hookReceiver) reject(w http.ResponseWriter, why string) {
	h.mu.Lock()
	h.rejected = append(h.rejected, why)
	h.mu.Unlock()
	// DingTalk answers a bad signature with HTTP 200 and an errcode.
	w.Write([]byte(`{"errcode":310000,"errmsg":"sign not match"}`))
}

// generic returns the generic notices accepted for a case.
func (h *hookReceiver) genericFor(wid string) []receivedNotice {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []receivedNotice
	for _, n := range h.notices {
		if n.Format == "generic" && n.Notice.WorkflowID == wid {
			out = append(out, n)
		}
	}
	return out
}

// dingtalkFor returns the DingTalk messages that mention a shop's case.
func (h *hookReceiver) dingtalkFor(shop, caseID string) []receivedNotice {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []receivedNotice
	for _, n := range h.notices {
		if n.Format == "dingtalk" && strings.Contains(n.Text, shop) && strings.Contains(n.Text, caseID) {
			out = append(out, n)
		}
	}
	return out
}

func (h *hookReceiver) rejections() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.rejected...)
}
