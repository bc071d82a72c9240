// Package integration holds end-to-end tests: a real in-process Temporal
// server, the real worker, real rule files, and the real platform clients
// talking HTTP to the sandbox. Run them with `go test ./integration/`;
// `go test -short` skips them.
package integration
