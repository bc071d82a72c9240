package taobao

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConsumeAndConfirmMessages(t *testing.T) {
	var confirmed string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.Form.Get("method") {
		case "taobao.tmc.messages.consume":
			w.Write([]byte(`{"tmc_messages_consume_response":{"messages":{"tmc_message":[
				{"id":9007199254740993,"topic":"taobao_refund_RefundSuccess","user_nick":"shop1",
				 "content":"{\"refund_id\":201234567890123456,\"seller_nick\":\"shop1\"}"},
				{"id":2,"topic":"taobao_dispute_ExchangeModified","user_nick":"shop1",
				 "content":"{\"refund_id\":77,\"biz_claim_type\":4}"},
				{"id":3,"topic":"taobao_refund_RefundCreated","user_nick":"shop1","content":"{not json"}]}}}`))
		case "taobao.tmc.messages.confirm":
			confirmed = r.Form.Get("s_message_ids")
			w.Write([]byte(`{"tmc_messages_confirm_response":{"is_success":true}}`))
		}
	}))
	defer srv.Close()
	c := New(Config{Gateway: srv.URL, AppKey: "k", AppSecret: "s", Session: "x", Shop: "shop1"})
	msgs, err := c.ConsumeMessages(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	// An unreadable message stays in the batch, naming no case, so it is
	// confirmed rather than handed out again forever.
	if len(msgs) != 3 || msgs[0].ID != "9007199254740993" || msgs[0].CaseID() != "201234567890123456" ||
		msgs[0].UserNick != "shop1" || msgs[1].CaseID() != "exchange-77" || msgs[2].ID != "3" || msgs[2].CaseID() != "" {
		t.Fatalf("messages = %+v", msgs)
	}
	if err := c.ConfirmMessages(context.Background(), []string{msgs[0].ID, msgs[1].ID}); err != nil {
		t.Fatal(err)
	}
	if confirmed != "9007199254740993,2" {
		t.Fatalf("confirmed %q", confirmed)
	}
	if strings.Contains(confirmed, "e") {
		t.Fatal("ids lost precision")
	}
}
