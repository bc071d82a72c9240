package codec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	secretNote = "sk_live_51HxAftersaleSecretToken"
	phone      = "13800138000"
)

type caseInput struct {
	CaseID string `json:"case_id"`
	Buyer  string `json:"buyer"`
	Phone  string `json:"phone"`
	Note   string `json:"note"`
	Amount int64  `json:"amount"`
}

func testRing(t *testing.T) *Keyring {
	t.Helper()
	return mustRing(t, "k1", Key{ID: "k1", Secret: secret(1)}, Key{ID: "k2", Secret: secret(2)})
}

// samplePayloads covers the encodings the default converter produces plus
// hand-made edge cases.
func samplePayloads(t *testing.T) map[string]*commonpb.Payload {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	to := func(v any) *commonpb.Payload {
		p, err := dc.ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return map[string]*commonpb.Payload{
		"json/plain struct": to(caseInput{CaseID: "2026112300000000010", Buyer: "王小明", Phone: phone, Note: secretNote, Amount: 12900}),
		"json/plain string": to("buyer " + phone + " says " + secretNote),
		"binary/null":       to(nil),
		"binary/plain":      to([]byte("raw " + secretNote)),
		"json/protobuf":     to(&commonpb.WorkflowExecution{WorkflowId: "case/taobao/tb-flagship/" + phone, RunId: secretNote}),
		"binary/protobuf (hand-made)": {
			Metadata: map[string][]byte{"encoding": []byte("binary/protobuf"), "messageType": []byte("temporal.api.common.v1.WorkflowExecution")},
			Data:     mustMarshal(t, &commonpb.WorkflowExecution{WorkflowId: phone}),
		},
		"empty data":       {Metadata: map[string][]byte{"encoding": []byte("json/plain")}},
		"no metadata":      {Data: []byte(secretNote)},
		"completely empty": {},
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	c := NewCodec(testRing(t))
	for name, p := range samplePayloads(t) {
		t.Run(name, func(t *testing.T) {
			orig := proto.Clone(p).(*commonpb.Payload)
			enc, err := c.Encode([]*commonpb.Payload{p})
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(p, orig) {
				t.Fatal("Encode mutated its input")
			}
			e := enc[0]
			if got := string(e.Metadata[converter.MetadataEncoding]); got != EncodingEncrypted {
				t.Errorf("encoding = %q, want %q", got, EncodingEncrypted)
			}
			if got := string(e.Metadata[MetadataKeyID]); got != "k1" {
				t.Errorf("key id = %q, want k1", got)
			}
			if len(e.Metadata) != 2 {
				t.Errorf("metadata has %d entries, want 2 (nothing of the original may show)", len(e.Metadata))
			}
			if want := nonceSize + proto.Size(p) + 16; len(e.Data) != want {
				t.Errorf("data is %d bytes, want nonce+plaintext+tag = %d", len(e.Data), want)
			}
			dec, err := c.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(dec[0], p) {
				t.Errorf("round trip = %v, want %v", dec[0], p)
			}
		})
	}
}

func TestEncodeBatchAndNonces(t *testing.T) {
	c := NewCodec(testRing(t))
	p := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"same"`)}
	enc, err := c.Encode([]*commonpb.Payload{p, p, p})
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != 3 {
		t.Fatalf("got %d payloads, want 3", len(enc))
	}
	seen := map[string]bool{}
	for _, e := range enc {
		nonce := string(e.Data[:nonceSize])
		if seen[nonce] {
			t.Fatal("nonce reused")
		}
		seen[nonce] = true
	}
	if bytes.Equal(enc[0].Data, enc[1].Data) {
		t.Fatal("equal plaintexts gave equal ciphertexts")
	}
	if out, err := c.Encode(nil); err != nil || len(out) != 0 {
		t.Fatalf("Encode(nil) = %v, %v", out, err)
	}
}

func TestCiphertextHidesPlaintext(t *testing.T) {
	c := NewCodec(testRing(t))
	needles := []string{secretNote, phone, "王小明", "case_id", "json/plain", "12900"}
	for name, p := range samplePayloads(t) {
		enc, err := c.Encode([]*commonpb.Payload{p})
		if err != nil {
			t.Fatal(err)
		}
		wire := mustMarshal(t, enc[0]) // what the server stores: metadata and data
		for _, n := range needles {
			for _, form := range []string{n, base64.StdEncoding.EncodeToString([]byte(n))} {
				if bytes.Contains(wire, []byte(form)) {
					t.Errorf("%s: encrypted payload contains %q", name, form)
				}
			}
		}
	}
}

func TestRotation(t *testing.T) {
	k1only := mustRing(t, "", Key{ID: "k2026a", Secret: secret(1)})
	old, err := NewCodec(k1only).Encode([]*commonpb.Payload{{Data: []byte("written under k2026a")}})
	if err != nil {
		t.Fatal(err)
	}

	rotated, err := ParseKeyring("k2026b:"+b64(2)+",k2026a:"+b64(1), "")
	if err != nil {
		t.Fatal(err)
	}
	c := NewCodec(rotated)
	dec, err := c.Decode(old)
	if err != nil {
		t.Fatalf("old payload after rotation: %v", err)
	}
	if string(dec[0].Data) != "written under k2026a" {
		t.Fatalf("old payload decoded to %q", dec[0].Data)
	}
	fresh, err := c.Encode([]*commonpb.Payload{{Data: []byte("written under k2026b")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(fresh[0].Metadata[MetadataKeyID]); got != "k2026b" {
		t.Fatalf("new payload key id = %q, want k2026b", got)
	}
	// A mixed batch (as in one history) decodes in one call.
	dec, err = c.Decode([]*commonpb.Payload{old[0], fresh[0]})
	if err != nil || string(dec[0].Data) != "written under k2026a" || string(dec[1].Data) != "written under k2026b" {
		t.Fatalf("mixed batch: %v %v", dec, err)
	}
	// A process still on the old ring cannot read the new key's payloads,
	// and says which key it lacks: roll keys out before making them current.
	_, err = NewCodec(k1only).Decode(fresh)
	if err == nil || !strings.Contains(err.Error(), `key id "k2026b", which is not in the keyring`) {
		t.Fatalf("old ring decoding new payload: err = %v", err)
	}
}

func TestTampering(t *testing.T) {
	// k1 and alias share the same secret: only the key id binding (GCM
	// additional data) tells them apart.
	ring := mustRing(t, "k1",
		Key{ID: "k1", Secret: secret(1)},
		Key{ID: "k2", Secret: secret(2)},
		Key{ID: "alias", Secret: secret(1)})
	c := NewCodec(ring)
	enc, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"` + secretNote + `"`)}})
	if err != nil {
		t.Fatal(err)
	}
	good := enc[0]
	mutate := func(f func(p *commonpb.Payload)) *commonpb.Payload {
		p := proto.Clone(good).(*commonpb.Payload)
		f(p)
		return p
	}
	tests := []struct {
		name string
		p    *commonpb.Payload
		want string
	}{
		{"flipped nonce byte", mutate(func(p *commonpb.Payload) { p.Data[0] ^= 1 }), `key id "k1" failed authentication`},
		{"flipped ciphertext byte", mutate(func(p *commonpb.Payload) { p.Data[nonceSize+3] ^= 0x80 }), `key id "k1" failed authentication`},
		{"flipped tag byte", mutate(func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 }), `key id "k1" failed authentication`},
		{"appended byte", mutate(func(p *commonpb.Payload) { p.Data = append(p.Data, 0) }), `key id "k1" failed authentication`},
		{"truncated", mutate(func(p *commonpb.Payload) { p.Data = p.Data[:nonceSize+10] }), `key id "k1" is truncated`},
		{"key id swapped to another key", mutate(func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k2") }), `key id "k2" failed authentication`},
		{"key id swapped to an alias of the same key", mutate(func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("alias") }), `key id "alias" failed authentication`},
		{"unknown key id", mutate(func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k9") }), `key id "k9", which is not in the keyring`},
		{"missing key id", mutate(func(p *commonpb.Payload) { delete(p.Metadata, MetadataKeyID) }), "has no encryption-key-id"},
		{"huge key id", mutate(func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = bytes.Repeat([]byte("x"), 5000) }), "xxx...\", which is not in the keyring"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decode([]*commonpb.Payload{tc.p})
			if err == nil {
				t.Fatal("tampered payload decoded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			for _, leak := range []string{secretNote, b64(1), b64(2)} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q leaks %q", msg, leak)
				}
			}
			if len(msg) > 300 {
				t.Errorf("error is %d bytes long", len(msg))
			}
		})
	}
	// The untouched payload still decodes.
	if _, err := c.Decode([]*commonpb.Payload{good}); err != nil {
		t.Fatal(err)
	}
}

func TestDecodePassesThroughUnencrypted(t *testing.T) {
	c := NewCodec(testRing(t))
	in := []*commonpb.Payload{
		{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"plain"`)},
		{Metadata: map[string][]byte{"encoding": []byte("binary/null")}},
		{Metadata: map[string][]byte{"encoding": []byte("binary/zlib")}, Data: []byte{1, 2, 3}},
		{Data: []byte("no metadata")},
		{},
	}
	out, err := c.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("payload %d was not passed through unchanged", i)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := NewCodec(testRing(t))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			p := &commonpb.Payload{Data: bytes.Repeat([]byte{byte(i)}, 100)}
			for range 50 {
				enc, err := c.Encode([]*commonpb.Payload{p})
				if err == nil {
					var dec []*commonpb.Payload
					dec, err = c.Decode(enc)
					if err == nil && !proto.Equal(dec[0], p) {
						err = errors.New("mismatch")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestDataConverter checks the converter end to end, the way the SDK uses
// it: ToPayload/ToPayloads on the way in, FromPayload(s) on the way out.
func TestDataConverter(t *testing.T) {
	ring := testRing(t)
	dc := DataConverter(ring)
	in := caseInput{CaseID: "2026112300000000010", Buyer: "王小明", Phone: phone, Note: secretNote, Amount: 12900}

	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata["encoding"]) != EncodingEncrypted || string(p.Metadata[MetadataKeyID]) != "k1" {
		t.Fatalf("ToPayload metadata = %v", p.Metadata)
	}
	if wire := mustMarshal(t, p); bytes.Contains(wire, []byte(phone)) || bytes.Contains(wire, []byte(secretNote)) {
		t.Fatal("encrypted payload shows the plaintext")
	}
	var out caseInput
	if err := dc.FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("FromPayload = %+v, want %+v", out, in)
	}
	if s := dc.ToString(p); !strings.Contains(s, phone) {
		t.Errorf("ToString = %q, want the decoded value", s)
	}

	// Several values, as workflow arguments are sent.
	ps, err := dc.ToPayloads("taobao", in, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		platform string
		got      caseInput
		n        int
		nothing  *caseInput
	)
	if err := dc.FromPayloads(ps, &platform, &got, &n, &nothing); err != nil {
		t.Fatal(err)
	}
	if platform != "taobao" || got != in || n != 42 || nothing != nil {
		t.Fatalf("FromPayloads = %q %+v %d %v", platform, got, n, nothing)
	}

	// A payload written before encryption was turned on still reads.
	plain, err := converter.GetDefaultDataConverter().ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	out = caseInput{}
	if err := dc.FromPayload(plain, &out); err != nil || out != in {
		t.Fatalf("reading a pre-encryption payload: %+v, %v", out, err)
	}

	// The plain default converter cannot read encrypted payloads.
	if err := converter.GetDefaultDataConverter().FromPayload(p, &out); err == nil {
		t.Fatal("default converter read an encrypted payload")
	}

	// No keyring: the default converter.
	if DataConverter(nil) != converter.GetDefaultDataConverter() {
		t.Fatal("DataConverter(nil) is not the default converter")
	}
}

func TestClientOptionsEncryptsFailures(t *testing.T) {
	_, fc := ClientOptions(testRing(t))
	appErr := temporal.NewApplicationError("refund refused for buyer "+phone, "PlatformRefused", caseInput{Note: secretNote})
	f := fc.ErrorToFailure(appErr)

	if f.GetMessage() != "Encoded failure" || f.GetStackTrace() != "" {
		t.Errorf("message/stack trace not moved into encoded attributes: %q / %q", f.GetMessage(), f.GetStackTrace())
	}
	if string(f.GetEncodedAttributes().GetMetadata()["encoding"]) != EncodingEncrypted {
		t.Errorf("encoded attributes are not encrypted: %v", f.GetEncodedAttributes().GetMetadata())
	}
	wire := mustMarshal(t, f)
	for _, n := range []string{phone, secretNote} {
		if bytes.Contains(wire, []byte(n)) {
			t.Errorf("failure proto contains %q", n)
		}
	}

	back := fc.FailureToError(f)
	var ae *temporal.ApplicationError
	if !errors.As(back, &ae) {
		t.Fatalf("FailureToError = %T", back)
	}
	if !strings.Contains(ae.Error(), phone) || ae.Type() != "PlatformRefused" {
		t.Errorf("decoded failure = %q (type %q)", ae.Error(), ae.Type())
	}
	var details caseInput
	if err := ae.Details(&details); err != nil || details.Note != secretNote {
		t.Errorf("details = %+v, %v", details, err)
	}

	// No keyring: the defaults, messages in plaintext.
	dc0, fc0 := ClientOptions(nil)
	if dc0 != converter.GetDefaultDataConverter() || fc0 != temporal.GetDefaultFailureConverter() {
		t.Error("ClientOptions(nil) did not return the defaults")
	}
	if f0 := fc0.ErrorToFailure(appErr); !strings.Contains(f0.GetMessage(), phone) {
		t.Errorf("default failure converter message = %q", f0.GetMessage())
	}
}
