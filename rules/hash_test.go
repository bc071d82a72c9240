package rules

import (
	"testing"
)

func TestHash(t *testing.T) {
	base := map[string]string{"a.yaml": "platform: taobao\n", "b.yaml": "platform: xiaoe\n"}
	h := mustLoad(t, base).Hash
	if len(h) != 12 {
		t.Fatalf("hash %q", h)
	}
	if again := mustLoad(t, base).Hash; again != h {
		t.Errorf("same content, different hash: %s %s", h, again)
	}
	changes := []map[string]string{
		{"a.yaml": "platform: taobao\n# a comment\n", "b.yaml": "platform: xiaoe\n"},
		{"a.yaml": "platform: taobao\n", "c.yaml": "platform: xiaoe\n"},
		{"a.yaml": "platform: taobao\n", "b.yaml": "platform: xiaoe\n", "c.yaml": "platform: shopline\n"},
		{"a.yaml": "platform: taobao\n"},
	}
	for _, files := range changes {
		if got := mustLoad(t, files).Hash; got == h {
			t.Errorf("%v: hash did not change", files)
		}
	}
	rs := mustLoad(t, base)
	if rs.Files[0].Hash == rs.Files[1].Hash || rs.Files[0].Hash != hashContent([]byte(base["a.yaml"])) {
		t.Errorf("file hashes %s %s", rs.Files[0].Hash, rs.Files[1].Hash)
	}
}
