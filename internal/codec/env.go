package codec

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// The environment variables FromEnv reads.
const (
	// EnvKeys holds the keyring: <id>:<base64 32-byte key>[,<id>:<key>...].
	EnvKeys = "AFTERSALE_PAYLOAD_KEYS"
	// EnvKeyID names the current key; unset means the first one in EnvKeys.
	EnvKeyID = "AFTERSALE_PAYLOAD_KEY_ID"
)

// FromEnv reads the keyring from AFTERSALE_PAYLOAD_KEYS and
// AFTERSALE_PAYLOAD_KEY_ID. Both unset (or empty) returns (nil, nil):
// payloads are not encrypted. A key id without keys is an error, since the
// operator evidently meant to encrypt.
func FromEnv() (*Keyring, error) {
	spec := strings.TrimSpace(os.Getenv(EnvKeys))
	current := strings.TrimSpace(os.Getenv(EnvKeyID))
	if spec == "" {
		if current != "" {
			return nil, errors.New(EnvKeyID + " is set but " + EnvKeys + " is empty")
		}
		return nil, nil
	}
	k, err := ParseKeyring(spec, current)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", EnvKeys, EnvKeyID, err)
	}
	return k, nil
}
