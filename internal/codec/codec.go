package codec

import (
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	// EncodingEncrypted is the "encoding" metadata of an encrypted payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID is the metadata naming the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"

	nonceSize = 12 // the standard GCM nonce
)

// Codec is a converter.PayloadCodec that encrypts whole payloads with
// AES-256-GCM.
//
// Encode marshals each payload (metadata and data) as protobuf and seals it
// with the keyring's current key and a random 12-byte nonce. The result has
// metadata {encoding: binary/encrypted, encryption-key-id: <id>} and data
// nonce||ciphertext||tag; the key id is the GCM additional data, so a
// payload relabelled with another id (even one sharing the key) fails to
// authenticate.
//
// Decode passes payloads of any other encoding through unchanged, so
// histories written before encryption was turned on still read, and opens
// encrypted ones with the key their metadata names.
type Codec struct {
	ring *Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// NewCodec returns a codec over the keyring, which must not be nil.
func NewCodec(k *Keyring) *Codec {
	if k == nil {
		panic("codec.NewCodec: nil keyring")
	}
	return &Codec{ring: k}
}

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.ring.CurrentID()
	aead, _ := c.ring.aead(id)
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("payload codec: marshal payload: %w", err)
		}
		buf := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
		if _, err := rand.Read(buf); err != nil {
			return payloads, fmt.Errorf("payload codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
			},
			Data: aead.Seal(buf, buf, plain, []byte(id)),
		}
		clear(plain)
	}
	return out, nil
}

// Decode implements converter.PayloadCodec.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		d, err := c.decrypt(p)
		if err != nil {
			return payloads, err
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	rawID, ok := p.GetMetadata()[MetadataKeyID]
	if !ok || len(rawID) == 0 {
		return nil, errors.New("payload codec: encrypted payload has no encryption-key-id")
	}
	id := string(rawID)
	aead, ok := c.ring.aead(id)
	if !ok {
		return nil, fmt.Errorf("payload codec: payload encrypted with key id %q, which is not in the keyring", printableID(id))
	}
	data := p.GetData()
	if len(data) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("payload codec: payload encrypted with key id %q is truncated", id)
	}
	plain, err := aead.Open(nil, data[:nonceSize], data[nonceSize:], rawID)
	if err != nil {
		return nil, fmt.Errorf("payload codec: payload encrypted with key id %q failed authentication (wrong key or tampered data)", id)
	}
	d := &commonpb.Payload{}
	if err := proto.Unmarshal(plain, d); err != nil {
		return nil, fmt.Errorf("payload codec: payload encrypted with key id %q: decrypted bytes are not a payload", id)
	}
	clear(plain)
	return d, nil
}

// printableID bounds an id read from an untrusted payload before it goes
// into an error message.
func printableID(id string) string {
	if len(id) > maxKeyIDLen {
		return id[:maxKeyIDLen] + "..."
	}
	return id
}

// DataConverter wraps converter.GetDefaultDataConverter() with the codec.
// A nil keyring returns the default converter: no encryption.
//
// Encrypted (they go through the data converter): workflow, activity, child
// workflow, signal, query and update arguments and results, heartbeat
// details, memos, schedule action arguments, and failure details (plus
// failure messages and stack traces with FailureConverter below). Not
// encrypted: ids, type/queue/signal names, search attributes (the server
// indexes them) and headers written by context propagators.
func DataConverter(k *Keyring) converter.DataConverter {
	if k == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewCodec(k))
}

// FailureConverter returns a failure converter that serializes failure
// details with dc and, when encrypting, also moves failure messages and stack
// traces into the (encrypted) encoded attributes: the history then shows
// "Encoded failure" until decoded by the worker, the CLI or the UI through
// the codec endpoint. Without that option the default failure converter
// leaves messages and stack traces in plaintext; rule errors and platform
// messages (shop names, buyer notes) end up there, so the option is on.
// A nil keyring returns the default failure converter.
func FailureConverter(k *Keyring, dc converter.DataConverter) converter.FailureConverter {
	if k == nil {
		return temporal.GetDefaultFailureConverter()
	}
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          dc,
		EncodeCommonAttributes: true,
	})
}

// ClientOptions returns the two client.Options fields to set so that every
// process (worker, starter, schedules) reads and writes the same encrypted
// histories:
//
//	dc, fc := codec.ClientOptions(ring)
//	client.Dial(client.Options{..., DataConverter: dc, FailureConverter: fc})
//
// A nil keyring returns the defaults (no encryption).
func ClientOptions(k *Keyring) (converter.DataConverter, converter.FailureConverter) {
	dc := DataConverter(k)
	return dc, FailureConverter(k, dc)
}
