package rules

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale/platforms"
)

// writeDir writes files (name → content) into a new temporary directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return dir
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mustLoad loads files from a temporary directory and fails the test on error.
func mustLoad(t *testing.T, files map[string]string) *Ruleset {
	t.Helper()
	rs, err := Load(writeDir(t, files), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rs
}

var testNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// refund is a small unshipped Taobao refund awaiting the seller.
func refund(amountFen int64) platforms.Case {
	return platforms.Case{
		Platform: platforms.Taobao, Shop: "shop-a", ID: "R1", Kind: platforms.KindRefund,
		Role: platforms.RoleSeller, Status: platforms.StatusAwaitingSeller, PlatformStatus: "WAIT_SELLER_AGREE",
		Amount: amountFen, Currency: "CNY", GoodsStatus: platforms.GoodsNotShipped,
	}
}
