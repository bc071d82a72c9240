package activities

import (
	"context"
	"fmt"

	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/taobao"
)

// TOPMessagesInput names the shop whose TOP app credentials consume TMC.
type TOPMessagesInput struct {
	Shop string `json:"shop"`
}

// TOPMessagesResult is what one consume-and-confirm round did.
type TOPMessagesResult struct {
	Consumed  int `json:"consumed"`
	Signalled int `json:"signalled"`
	Ignored   int `json:"ignored"` // no case, or a seller we do not serve
	Confirmed int `json:"confirmed"`
}

// topMessageBatch is the most TMC hands out per consume call.
const topMessageBatch = 200

// topMessages is what a TOP client offers for TMC over HTTP.
type topMessages interface {
	ConsumeMessages(ctx context.Context, quantity int) ([]taobao.Message, error)
	ConfirmMessages(ctx context.Context, ids []string) error
}

// ConsumeTOPMessages takes one batch of TMC messages (two platform calls:
// consume and confirm), hands each to its case workflow as a hint, and
// confirms what it handled. A message whose hint could not be delivered is
// not confirmed, so TMC hands it out again; TMC messages only say "look
// again", so a duplicate costs one re-read and nothing else.
func (a *Activities) ConsumeTOPMessages(ctx context.Context, in TOPMessagesInput) (TOPMessagesResult, error) {
	c, err := a.Clients.Client(platforms.Taobao, in.Shop)
	if err != nil {
		return TOPMessagesResult{}, temporalError(err)
	}
	tmc, ok := c.(topMessages)
	if !ok {
		return TOPMessagesResult{}, fmt.Errorf("the client of %s cannot consume TMC messages", in.Shop)
	}
	msgs, err := tmc.ConsumeMessages(ctx, topMessageBatch)
	if err != nil {
		return TOPMessagesResult{}, temporalError(err)
	}
	res := TOPMessagesResult{Consumed: len(msgs)}
	var done []string
	for _, m := range msgs {
		shop, served := a.topShopOf(m.UserNick)
		if m.CaseID() == "" || !served {
			res.Ignored++
			done = append(done, m.ID)
			continue
		}
		if _, err := SignalCase(ctx, a.Temporal, platforms.Hint{Platform: platforms.Taobao, Shop: shop, CaseID: m.CaseID()}); err != nil {
			a.log().Warn("TMC hint not delivered; TMC will redeliver", "shop", shop, "topic", m.Topic, "err", err)
			continue
		}
		res.Signalled++
		done = append(done, m.ID)
	}
	if err := tmc.ConfirmMessages(ctx, done); err != nil {
		return res, temporalError(err)
	}
	res.Confirmed = len(done)
	return res, nil
}

// topShopOf finds our shop for a TMC user_nick: a configured TOP shop of
// that name (TOPSellers maps other nicks).
func (a *Activities) topShopOf(nick string) (string, bool) {
	if shop, ok := a.TOPSellers[nick]; ok {
		return shop, true
	}
	if _, err := a.Clients.Client(platforms.Taobao, nick); err == nil {
		return nick, true
	}
	return "", false
}
