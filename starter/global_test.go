package main

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftersale/aftersale/internal/codec"
)

func TestConvertersUseTheWorkersKeys(t *testing.T) {
	key := make([]byte, codec.KeySize)
	rand.Read(key)
	spec := "t1:" + base64.StdEncoding.EncodeToString(key)
	encrypted := func(g global) bool {
		t.Helper()
		dc, fc, err := g.converters()
		if err != nil || fc == nil {
			t.Fatalf("converters: %v", err)
		}
		p, err := dc.ToPayload("case data")
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := dc.FromPayload(p, &back); err != nil || back != "case data" {
			t.Fatalf("round trip: %q, %v", back, err)
		}
		return string(p.GetMetadata()["encoding"]) == codec.EncodingEncrypted
	}
	local, remote := global{Address: "127.0.0.1:7233"}, global{Address: "temporal.prod:7233"}

	t.Setenv(codec.EnvKeys, "")
	t.Setenv(codec.EnvKeyID, "")
	t.Chdir(t.TempDir())
	if encrypted(local) || encrypted(remote) {
		t.Error("encrypted without keys")
	}
	// A dev worker's key file is used against a local Temporal only.
	if err := os.MkdirAll(filepath.Dir(devKeysFile), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, devKeysFile, spec+"\n")
	if !encrypted(local) || !encrypted(global{Address: "localhost:7233"}) {
		t.Error("the dev key file was not used against a local Temporal")
	}
	if encrypted(remote) {
		t.Error("the dev key file was used against a remote Temporal")
	}
	t.Setenv(codec.EnvKeys, spec)
	if !encrypted(remote) {
		t.Error("AFTERSALE_PAYLOAD_KEYS was not used")
	}
	t.Setenv(codec.EnvKeys, "t1:not-base64")
	if _, _, err := remote.converters(); err == nil {
		t.Error("a broken AFTERSALE_PAYLOAD_KEYS was accepted")
	}
}
