package integration

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/temporalproto"

	"github.com/aftersale/aftersale/internal/codec"
	"github.com/aftersale/aftersale/platforms/sandbox"
)

// TestHistoriesAndLogsHoldNoSecretsOrPersonalData runs cases whose platform
// records carry personal data, then reads every history in the namespace —
// this test's and every earlier test's — both as stored and decrypted, and
// every log line the worker side wrote: no credential and no personal datum
// may appear in any of them, and stored payloads must be ciphertext.
func TestHistoriesAndLogsHoldNoSecretsOrPersonalData(t *testing.T) {
	shop := shopFor(t)
	const nick, phone = "王小明PII7731", "13800138000"
	small := newRefund("2026112300000000951", "15.00", time.Now().Add(48*time.Hour))
	small["buyer_nick"] = nick
	big := newRefund("2026112300000000952", "5999.00", time.Now().Add(48*time.Hour))
	big["buyer_nick"], big["receiver_mobile"] = nick, phone
	putCase(t, shop, small)
	putCase(t, shop, big)
	waitResult(t, startCase(t, shop, "2026112300000000951"), 30*time.Second)
	bigID := startCase(t, shop, "2026112300000000952")
	eventually(t, 30*time.Second, "the big case escalated and announced", func() bool {
		return query(t, bigID).Escalation != nil && len(env.hooks.genericFor(bigID)) > 0
	})
	xshop, _ := xiaoeShop(t)
	app := xiaoeApplication("AS20261123PII01", 1, 1500)
	app["nick_name"], app["user_phone"] = nick, phone
	xiaoePut(t, xshop, app)
	waitResult(t, xiaoeStart(t, xshop, "AS20261123PII01"), 30*time.Second)

	forbidden := map[string]string{
		"TOP app secret":       sandbox.DefaultTOPAppSecret,
		"TOP session":          strings.TrimSuffix(sandbox.TOPSessionFor(shop), shop), // any shop's
		"Xiaoe secret key":     sandbox.DefaultXiaoeSecretKey,
		"SHOPLINE app secret":  sandbox.DefaultShoplineAppSecret,
		"SHOPLINE token":       strings.TrimSuffix(sandbox.ShoplineTokenFor(shop), shop),
		"Xportcn secret":       sandbox.DefaultXportcnAccessSecret,
		"webhook secret":       hookGenericSecret,
		"DingTalk secret":      hookDingTalkSecret,
		"robot access token":   "access_token=test-token",
		"buyer nick":           nick,
		"buyer phone":          phone,
		"masked buyer nick":    "t**1", // what newRefund sets for every other case
		"payload key material": strings.TrimPrefix(os.Getenv(codec.EnvKeys), "it:"),
	}
	ctx := context.Background()
	pages, err := runs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	scanned, encrypted := 0, 0
	for _, page := range pages {
		for _, e := range page.Executions {
			h, err := history(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
			if err != nil {
				t.Fatal(err)
			}
			plain, err := decoded(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := temporalproto.CustomJSONMarshalOptions{}.Marshal(h)
			clear, _ := temporalproto.CustomJSONMarshalOptions{}.Marshal(plain)
			for what, v := range forbidden {
				if strings.Contains(string(stored), v) || strings.Contains(string(clear), v) {
					t.Errorf("%s of %s holds the %s", e.GetType().GetName(), e.GetExecution().GetWorkflowId(), what)
				}
			}
			if in := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads(); len(in) > 0 {
				if string(in[0].GetMetadata()["encoding"]) != codec.EncodingEncrypted {
					t.Errorf("%s: the stored input is not encrypted", e.GetExecution().GetWorkflowId())
				}
				encrypted++
			}
			scanned++
		}
	}
	if scanned < 3 || encrypted == 0 { // at least this test's own cases
		t.Fatalf("scanned %d histories (%d inputs encrypted): too few to mean anything", scanned, encrypted)
	}
	logs := env.logs.String()
	for what, v := range forbidden {
		if strings.Contains(logs, v) {
			t.Errorf("the worker's logs hold the %s", what)
		}
	}
	t.Logf("scanned %d histories and %d bytes of logs", scanned, len(logs))
}
