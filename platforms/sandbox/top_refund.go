package sandbox

// TOP refund methods: taobao.refunds.receive.get, taobao.refund.get,
// taobao.rp.refunds.agree, taobao.refund.refuse, taobao.rp.returngoods.agree.

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// topListStatuses are the values the receive.get status filter accepts.
var topListStatuses = []string{
	topWaitSellerAgree, topWaitBuyerReturn, topWaitSellerConfirm, topSellerRefused, topClosed, topSuccess,
	"WAIT_BUYER_CONFIRM_EXCHANGE_SELLER_SEND_GOODS", "EXCHANGE_TRANSFORM_TO_REFUND", "WAIT_SELLER_CONSIGN_GOODS",
}

// Per-call cap of taobao.rp.refunds.agree on Taobao (PLATFORMS.md §1.2).
const (
	topAgreeMaxRefunds = 20
	topAgreeMaxFen     = 600000 // ¥6,000: above it the seller must enter an SMS code
)

const msgNeedSMS = "need sms verification code"

func (t *topSim) receiveGet(c *topCall) (map[string]any, *topError) {
	p := c.params
	fields, err := topFields(p)
	if err != nil {
		return nil, err
	}
	status := p.Get("status")
	if status != "" && !slices.Contains(topListStatuses, status) {
		return nil, errInvalidArg("status", "unknown status "+status)
	}
	var bounds [2]string // modified window as TOP timestamps; "" = open
	for i, name := range []string{"start_modified", "end_modified"} {
		if v := p.Get(name); v != "" {
			tm, perr := parseTOPTime(v)
			if perr != nil {
				return nil, errInvalidArg(name, "want yyyy-MM-dd HH:mm:ss")
			}
			bounds[i] = topTime(tm)
		}
	}
	pageNo, err := intParam(p, "page_no", 1, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	pageSize, err := intParam(p, "page_size", 40, 1, 100)
	if err != nil {
		return nil, err
	}

	t.s.touch()
	defer t.s.mu.Unlock()
	// modified is always stored in the fixed TOP layout, so its strings
	// order as its times do.
	var rs []*record
	for _, r := range t.s.sorted(PlatformTaobao, c.shop) {
		if topExchangeRecord(r) { // listed by tmall.exchange.receive.get
			continue
		}
		m := getString(r.native, "modified")
		if (status == "" || getString(r.native, "status") == status) &&
			(bounds[0] == "" || m >= bounds[0]) && (bounds[1] == "" || m <= bounds[1]) {
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		return getString(rs[i].native, "modified") < getString(rs[j].native, "modified")
	})
	total := len(rs)
	start := min((pageNo-1)*pageSize, total)
	end := min(start+pageSize, total)
	body := map[string]any{"total_results": total, "has_next": end < total}
	if end > start {
		list := make([]any, 0, end-start)
		for _, r := range rs[start:end] {
			list = append(list, topPick(r.native, fields, false))
		}
		body["refunds"] = map[string]any{"refund": list}
	}
	return body, nil
}

func (t *topSim) refundGet(c *topCall) (map[string]any, *topError) {
	id, err := refundIDParam(c.params)
	if err != nil {
		return nil, err
	}
	fields, err := topFields(c.params)
	if err != nil {
		return nil, err
	}
	now := t.s.touch()
	defer t.s.mu.Unlock()
	r := t.s.find(PlatformTaobao, c.shop, id)
	if r == nil {
		return nil, errNotExist(id)
	}
	if t.s.onRead != nil {
		t.s.onRead(PlatformTaobao, c.shop, id, now)
	}
	return map[string]any{"refund": topPick(r.native, fields, true)}, nil
}

func (t *topSim) refundsAgree(c *topCall) (map[string]any, *topError) {
	infos, err := parseRefundInfos(c.params.Get("refund_infos"))
	if err != nil {
		return nil, err
	}
	var totalFen int64
	for _, in := range infos {
		totalFen += in.fen
	}
	now := t.s.touch()
	defer t.s.mu.Unlock()

	results := make([]any, 0, len(infos))
	result := func(id string, err *topError) {
		msg, res := "success", map[string]any{"refund_id": topNumber(id), "succ": err == nil}
		if err != nil {
			msg = err.SubCode + ": " + err.SubMsg
			t.logAction(c, id, err)
		} else {
			t.logAction(c, id, nil)
		}
		res["message"] = msg
		results = append(results, res)
	}

	if totalFen > topAgreeMaxFen && c.params.Get("code") == "" {
		for _, in := range infos {
			result(in.id, errRefund("isv.need-sms-verification-code", msgNeedSMS))
		}
		return agreeAnswer("OP_FAILURE_UE", msgNeedSMS, false, results), nil
	}

	ok := 0
	for _, in := range infos {
		r := t.s.find(PlatformTaobao, c.shop, in.id)
		err := topCheck(r, in.id, in.version, in.phase)
		if err == nil {
			err = agreeable(r, in.fen)
		}
		if err == nil {
			t.move(r, topSuccess, now)
			ok++
		}
		result(in.id, err)
	}
	switch ok {
	case len(infos):
		return agreeAnswer("OP_SUCC", "all refunds agreed", true, results), nil
	case 0:
		return agreeAnswer("OP_FAILURE_UE", "no refund agreed", false, results), nil
	default:
		return agreeAnswer("SOME_OP_SUCC", "some refunds agreed", true, results), nil
	}
}

func agreeAnswer(code, msg string, succ bool, results []any) map[string]any {
	return map[string]any{
		"msg_code": code,
		"msg":      msg,
		"succ":     succ,
		"results":  map[string]any{"refund_mapping_result": results},
	}
}

// agreeable checks that a refund may be paid now, for exactly its amount.
func agreeable(r *record, fen int64) *topError {
	n := r.native
	switch st := getString(n, "status"); {
	case st == topWaitSellerConfirm:
	case st == topWaitSellerAgree && !getBool(n, "has_good_return"):
	default:
		return errStatus(st, "agree")
	}
	if want, err := parseFen(getString(n, "refund_fee")); err == nil && want != fen {
		return errRefund("isv.refund-fee-mismatch",
			fmt.Sprintf("amount %d fen does not match refund_fee %s", fen, getString(n, "refund_fee")))
	}
	return nil
}

func (t *topSim) refundRefuse(c *topCall) (map[string]any, *topError) {
	p := c.params
	id, err := refundIDParam(p)
	if err != nil {
		return nil, err
	}
	msg := p.Get("refuse_message")
	if msg == "" {
		return nil, errMissingArg("refuse_message")
	}
	if n := utf8.RuneCountInString(msg); n < 2 || n > 200 {
		return nil, errInvalidArg("refuse_message", "refuse_message must be 2 to 200 characters")
	}
	if v := p.Get("refuse_reason_id"); v != "" && !isDigits(v) {
		return nil, errInvalidArg("refuse_reason_id", "must be a number")
	}
	version, phase, err := versionAndPhase(p)
	if err != nil {
		return nil, err
	}
	now := t.s.touch()
	defer t.s.mu.Unlock()
	r := t.s.find(PlatformTaobao, c.shop, id)
	if err := topCheck(r, id, version, phase); err != nil {
		return nil, err
	}
	if st := getString(r.native, "status"); st != topWaitSellerAgree && st != topWaitSellerConfirm {
		return nil, errStatus(st, "refuse")
	}
	if getString(r.native, "operation_contraint") == "cannot_refuse" {
		return nil, errRefund("isv.refund-cannot-refuse", "the platform does not allow refusing this refund")
	}
	t.move(r, topSellerRefused, now)
	return map[string]any{
		"is_success": true,
		"refund": map[string]any{
			"refund_id": topNumber(id),
			"status":    topSellerRefused,
			"modified":  getString(r.native, "modified"),
		},
	}, nil
}

func (t *topSim) returnGoodsAgree(c *topCall) (map[string]any, *topError) {
	p := c.params
	id, err := refundIDParam(p)
	if err != nil {
		return nil, err
	}
	version, phase, err := versionAndPhase(p)
	if err != nil {
		return nil, err
	}
	now := t.s.touch()
	defer t.s.mu.Unlock()
	r := t.s.find(PlatformTaobao, c.shop, id)
	if err := topCheck(r, id, version, phase); err != nil {
		return nil, err
	}
	if st := getString(r.native, "status"); st != topWaitSellerAgree || !getBool(r.native, "has_good_return") {
		return nil, errStatus(st, "agree the return of")
	}
	t.move(r, topWaitBuyerReturn, now)
	return map[string]any{"is_success": true}, nil
}

// topCheck runs the checks every action shares: the refund exists, may be
// handled through the API, and the caller saw its current version.
func topCheck(r *record, id, version, phase string) *topError {
	if r == nil {
		return errNotExist(id)
	}
	n := r.native
	if getString(n, "operation_contraint") == "refund_onweb" {
		return errRefund("isv.refund-onweb", "this refund must be handled on the web console")
	}
	if version != "" && version != getString(n, "refund_version") {
		return errRefund("isv.refund-version-mismatch",
			fmt.Sprintf("refund_version %s is not the current one", version))
	}
	if cur := getString(n, "refund_phase"); phase != "" && cur != "" && phase != cur {
		return errRefund("isv.refund-phase-mismatch", "refund_phase is "+cur)
	}
	return nil
}

func errNotExist(id string) *topError {
	return errRefund("isv.refund-not-exist", "refund "+id+" does not exist")
}

func errStatus(status, what string) *topError {
	return errRefund("isv.refund-status-not-support", fmt.Sprintf("cannot %s a refund in status %s", what, status))
}

// topPick returns the requested fields of a refund. refund_remind_timeout
// only comes with taobao.refund.get (detail); sandbox knobs never come.
func topPick(n map[string]any, fields []string, detail bool) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if strings.HasPrefix(f, knobPrefix) || (f == "refund_remind_timeout" && !detail) {
			continue
		}
		if v, ok := n[f]; ok {
			out[f] = v
		}
	}
	return out
}

func topFields(p url.Values) ([]string, *topError) {
	raw := p.Get("fields")
	if raw == "" {
		return nil, errMissingArg("fields")
	}
	var fields []string
	for f := range strings.SplitSeq(raw, ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil, errInvalidArg("fields", "no field named")
	}
	return fields, nil
}

func refundIDParam(p url.Values) (string, *topError) {
	id := p.Get("refund_id")
	if id == "" {
		return "", errMissingArg("refund_id")
	}
	if !isDigits(id) {
		return "", errInvalidArg("refund_id", "refund_id must be a number")
	}
	return id, nil
}

func versionAndPhase(p url.Values) (version, phase string, err *topError) {
	version, phase = p.Get("refund_version"), p.Get("refund_phase")
	if version != "" && !isDigits(version) {
		return "", "", errInvalidArg("refund_version", "refund_version must be a number")
	}
	if phase != "" && phase != "onsale" && phase != "aftersale" {
		return "", "", errInvalidArg("refund_phase", "refund_phase must be onsale or aftersale")
	}
	return version, phase, nil
}

func intParam(p url.Values, name string, def, lo, hi int) (int, *topError) {
	v := p.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errInvalidArg(name, fmt.Sprintf("%s must be a number within %d..%d", name, lo, hi))
	}
	return n, nil
}

type refundInfo struct {
	id, version, phase string
	fen                int64
}

// parseRefundInfos reads refund_infos: "refund_id|amount_fen|refund_version|refund_phase,...".
func parseRefundInfos(s string) ([]refundInfo, *topError) {
	if s == "" {
		return nil, errMissingArg("refund_infos")
	}
	bad := func(why string) ([]refundInfo, *topError) { return nil, errInvalidArg("refund_infos", why) }
	parts := strings.Split(s, ",")
	if len(parts) > topAgreeMaxRefunds {
		return bad(fmt.Sprintf("at most %d refunds per call", topAgreeMaxRefunds))
	}
	var out []refundInfo
	seen := map[string]bool{}
	for _, part := range parts {
		f := strings.Split(strings.TrimSpace(part), "|")
		if len(f) < 3 || len(f) > 4 {
			return bad("want refund_id|amount|refund_version|refund_phase, got " + part)
		}
		in := refundInfo{id: f[0], version: f[2]}
		if len(f) == 4 {
			in.phase = f[3]
		}
		fen, err := strconv.ParseInt(f[1], 10, 64)
		switch {
		case !isDigits(in.id):
			return bad("refund_id must be a number: " + part)
		case err != nil || fen < 0:
			return bad("amount must be fen: " + part)
		case !isDigits(in.version):
			return bad("refund_version must be a number: " + part)
		case in.phase != "" && in.phase != "onsale" && in.phase != "aftersale":
			return bad("refund_phase must be onsale or aftersale: " + part)
		case seen[in.id]:
			return bad("refund listed twice: " + in.id)
		}
		in.fen = fen
		seen[in.id] = true
		out = append(out, in)
	}
	return out, nil
}

// parseFen reads a TOP money string in yuan ("200.07") as fen.
func parseFen(s string) (int64, error) {
	yuan, cents, hasDot := strings.Cut(s, ".")
	if !isDigits(yuan) || (hasDot && (len(cents) == 0 || len(cents) > 2 || !isDigits(cents))) {
		return 0, errors.New("want yuan with at most two decimals, got " + strconv.Quote(s))
	}
	for len(cents) < 2 {
		cents += "0"
	}
	y, err := strconv.ParseInt(yuan, 10, 64)
	if err != nil || y > math.MaxInt64/100-1 {
		return 0, errors.New("amount out of range: " + s)
	}
	c, _ := strconv.Atoi(cents)
	return y*100 + int64(c), nil
}
