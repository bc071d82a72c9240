package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// source is the raw content of one rule file.
type source struct {
	name string // slash-separated path relative to the loaded directory
	data []byte
}

// hashSources is the content hash of a ruleset: the sha256 of its file names
// and contents in name order, as 12 hex digits. It is what decisions record.
func hashSources(srcs []source) string {
	h := sha256.New()
	for _, s := range srcs { // already sorted by name
		fmt.Fprintf(h, "%s\x00%d\x00", s.name, len(s.data))
		h.Write(s.data)
	}
	return short(h.Sum(nil))
}

// hashContent is the content hash of one file, as 12 hex digits.
func hashContent(data []byte) string {
	sum := sha256.Sum256(data)
	return short(sum[:])
}

func short(sum []byte) string { return hex.EncodeToString(sum)[:12] }
