package rules

import "embed"

// Examples holds the example rule files ops start from, under "examples/":
// LoadFS(Examples) loads them.
//
//go:embed examples
var Examples embed.FS
