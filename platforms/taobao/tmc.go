package taobao

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale/platforms"
)

// Message is one TMC message, as taobao.tmc.messages.consume hands it out.
// Messages are thin hints: the case is re-read before anything is done.
type Message struct {
	ID       string
	Topic    string
	UserNick string // the seller the message is about
	RefundID string // from the content, for taobao_refund_* / taobao_dispute_* topics
	// ExchangeID is set for exchange topics (dispute ids of biz_claim_type 4/6).
	ExchangeID string
}

// ConsumeMessages takes up to quantity (10–200) messages from TMC over HTTP.
// Every message must be confirmed (ConfirmMessages) once handled, or TMC
// hands it out again.
func (c *Client) ConsumeMessages(ctx context.Context, quantity int) ([]Message, error) {
	var out struct {
		Messages struct {
			List []struct {
				ID       json.Number `json:"id"`
				Topic    string      `json:"topic"`
				Content  string      `json:"content"`
				UserNick string      `json:"user_nick"`
			} `json:"tmc_message"`
		} `json:"messages"`
	}
	err := c.call(ctx, "taobao.tmc.messages.consume", url.Values{"quantity": {strconv.Itoa(quantity)}}, &out)
	if err != nil {
		return nil, err
	}
	msgs := make([]Message, 0, len(out.Messages.List))
	for _, m := range out.Messages.List {
		msg := Message{ID: m.ID.String(), Topic: m.Topic, UserNick: m.UserNick}
		var body struct {
			RefundID     json.Number `json:"refund_id"`
			BizClaimType json.Number `json:"biz_claim_type"`
			SellerNick   string      `json:"seller_nick"`
		}
		d := json.NewDecoder(bytes.NewReader([]byte(m.Content)))
		d.UseNumber()
		if err := d.Decode(&body); err != nil {
			// One unreadable message must not hold up the batch forever
			// (an unconfirmed batch comes back): it names no case, so it
			// is confirmed without a hint, and logged.
			c.log.Warn("TMC message content unreadable; confirmed without a hint", "id", m.ID.String(), "topic", m.Topic, "err", err)
			msgs = append(msgs, msg)
			continue
		}
		if msg.UserNick == "" {
			msg.UserNick = body.SellerNick
		}
		// A refund_id that is not a decimal id (1e5, -1) names no case we
		// could read: the message is confirmed without a hint.
		switch bt, id := body.BizClaimType.String(), body.RefundID.String(); {
		case !isDigits(id):
		case strings.HasPrefix(m.Topic, "taobao_dispute_") && (bt == "4" || bt == "6" || strings.Contains(m.Topic, "Exchange")):
			msg.ExchangeID = id
		default:
			msg.RefundID = id
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// ConfirmMessages tells TMC the messages were handled (at most 200 ids).
func (c *Client) ConfirmMessages(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var out struct {
		IsSuccess bool `json:"is_success"`
	}
	if err := c.call(ctx, "taobao.tmc.messages.confirm", url.Values{"s_message_ids": {strings.Join(ids, ",")}}, &out); err != nil {
		return err
	}
	if !out.IsSuccess {
		return &platforms.Error{Kind: platforms.ErrTransient, Platform: platforms.Taobao, Code: "tmc", Message: "confirm not accepted"}
	}
	return nil
}

// CaseID is the Case.ID the message is about, or "" when it names none.
func (m Message) CaseID() string {
	switch {
	case m.ExchangeID != "":
		return ExchangeCaseID(m.ExchangeID)
	case m.RefundID != "":
		return m.RefundID
	}
	return ""
}
