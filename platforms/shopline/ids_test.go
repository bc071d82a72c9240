package shopline

import "testing"

func TestCaseIDs(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want caseRef
		bad  bool
	}{
		{id: ReturnCaseID("2605860580357012238342"), want: caseRef{kind: "return", returnID: "2605860580357012238342"}},
		{id: RefundCaseID("21057168152571061289431726", "SL201AS4571669738589065294"),
			want: caseRef{kind: "refund", orderID: "21057168152571061289431726", refundID: "SL201AS4571669738589065294"}},
		{id: "return-", bad: true},
		{id: "return-12/../x", bad: true},
		{id: "refund-123", bad: true},
		{id: "refund-123-", bad: true},
		{id: "refund-12-34-56", bad: true},
		{id: "2605860580357012238342", bad: true},
		{id: "", bad: true},
	} {
		got, err := parseCaseID(tc.id)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("parseCaseID(%q) = %+v, %v", tc.id, got, err)
		}
	}
}
