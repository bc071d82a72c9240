package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/budget"
)

// TestReplayRecordedHistories replays every history recorded from the
// integration tests (AFTERSALE_RECORD_HISTORIES=../workflows/testdata/histories go test ./integration) against the
// current workflow code. A change that would break a running case fails
// here: guard it with workflow.GetVersion (see README, "Changing workflow code").
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/histories")
	}
	// The recorder stored the payloads decrypted.
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	replayer.RegisterWorkflow(CaseWorkflow)
	replayer.RegisterWorkflow(ShopSyncWorkflow)
	replayer.RegisterWorkflow(TOPMessagesWorkflow)
	replayer.RegisterWorkflowWithOptions(BudgetWorkflow, workflow.RegisterOptions{Name: budget.WorkflowName})
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			hist, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := replayer.ReplayWorkflowHistory(nil, hist); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
