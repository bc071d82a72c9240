// Package codec encrypts Temporal payloads with AES-256-GCM so that case
// data (buyer names, phone numbers, addresses, refund reasons) is stored in
// the Temporal server's history only as ciphertext, and serves the remote
// codec endpoint the Temporal UI and CLI use to show it decrypted.
//
// # Keys
//
// Keys come from the environment (FromEnv):
//
//	AFTERSALE_PAYLOAD_KEYS="k2026b:<base64 32 bytes>,k2026a:<base64 32 bytes>"
//	AFTERSALE_PAYLOAD_KEY_ID=k2026b   # optional; default: the first entry
//
// An id is 1-64 letters, digits, '.', '_' or '-'; a key is 32 random bytes in
// standard or URL-safe base64 (`openssl rand -base64 32`). Both variables
// unset means no encryption. Parse errors name entries by position and id,
// never by key material, and a Keyring prints only its ids.
//
// Rotation: add the new key to AFTERSALE_PAYLOAD_KEYS, point
// AFTERSALE_PAYLOAD_KEY_ID at it, and restart every process (workers, the
// starter, the codec endpoint). New payloads name the new key; old ones
// still name theirs and decrypt as long as that key stays in the list. A key
// may be dropped once no open or retained history uses it. Every process
// must hold every key still in use before any process writes with a new one:
// roll the new key out as a non-current entry first, then make it current.
//
// # Payload format
//
// An encrypted payload has metadata encoding "binary/encrypted" and
// "encryption-key-id" = the key id; its data is the 12-byte nonce followed by
// the AES-GCM sealing of the protobuf-serialized original payload (metadata
// and data), with the key id bytes as additional authenticated data.
// Payloads with any other encoding decode unchanged, so histories written
// before encryption was enabled still read. Turning encryption off again
// breaks reading the encrypted ones: keep the keys.
//
// # What is and is not encrypted
//
// ClientOptions returns the DataConverter and FailureConverter to set in
// client.Options. Through them, workflow/activity/signal/query/update
// arguments and results, heartbeat details, memos, schedule action
// arguments and failure details are encrypted, and, because the failure
// converter sets EncodeCommonAttributes, so are failure messages and stack
// traces (the raw history shows "Encoded failure"). Not encrypted: workflow
// ids (case/<platform>/<shop>/<case-id>), type, task-queue, signal and
// update names, search attributes (the server indexes them: AfterSale*
// status, rule, amount, deadline), timer and activity ids, and headers.
//
// # Codec endpoint for the Temporal UI and CLI
//
// Handler serves POST /encode and /decode (also /<namespace>/encode and
// /<namespace>/decode). Point the UI at it with the "Codec Server" setting in
// the UI (per browser), or for everyone with the ui-server config key
// codec.endpoint (env TEMPORAL_CODEC_ENDPOINT in the ui-server docker image;
// codec.includeCredentials and codec.passAccessToken are its neighbours),
// and list the UI's origin in HandlerOptions.AllowedOrigins. The CLI uses
// --codec-endpoint http://host:port and, with a token,
// --codec-auth "Bearer <token>".
package codec
