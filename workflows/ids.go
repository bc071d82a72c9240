// Package workflows holds the deterministic workflow code: CaseWorkflow keeps
// one after-sale case until the platform closes it, ShopSyncWorkflow learns of
// changed cases. No I/O and no config reads happen here; activities do that.
package workflows

import (
	"fmt"
	"strings"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/platforms"
)

// TaskQueue is where workers poll for workflow and activity tasks.
const TaskQueue = activities.TaskQueue

// Names other processes (CLI, UI, sync, push) use to talk to a case workflow.
const (
	SignalSnapshot = activities.SignalSnapshotName // a platforms.Case hint; a zero Case asks for a re-read
	UpdateDecide   = "decide"                      // a human decision, DecideRequest → Decision
	QueryState     = "state"                       // the CaseView
)

// CaseWorkflowID is the contract ID of the workflow owning one case.
func CaseWorkflowID(p platforms.Platform, shop, caseID string) string {
	return fmt.Sprintf("case/%s/%s/%s", p, shop, caseID)
}

// ParseCaseWorkflowID splits a case workflow ID into its parts.
func ParseCaseWorkflowID(id string) (p platforms.Platform, shop, caseID string, err error) {
	parts := strings.SplitN(id, "/", 4)
	if len(parts) != 4 || parts[0] != "case" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return "", "", "", fmt.Errorf("%q is not a case workflow ID (case/<platform>/<shop>/<case-id>)", id)
	}
	return platforms.Platform(parts[1]), parts[2], parts[3], nil
}

// ShopSyncWorkflowID names the sync workflow (and its schedule) of one shop.
func ShopSyncWorkflowID(p platforms.Platform, shop string) string {
	return fmt.Sprintf("sync/%s/%s", p, shop)
}
