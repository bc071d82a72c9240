package sandbox

import (
	"fmt"
	"time"
)

// DemoCase is one case the dev-mode seeder stores.
type DemoCase struct {
	Platform string
	Shop     string
	Case     map[string]any // native JSON object, as PutCase takes it
}

// DemoCases returns the demo cases of every simulated platform.
func DemoCases(now time.Time) []DemoCase {
	var all []DemoCase
	for _, f := range []func(time.Time) []DemoCase{DemoTOPCases, DemoXiaoeCases, DemoShoplineCases, DemoXportcnCases} {
		all = append(all, f(now)...)
	}
	return all
}

// Seed stores the demo cases (DemoCases) with deadlines relative to now.
func (s *Sandbox) Seed(now time.Time) error {
	for _, d := range DemoCases(now) {
		if err := s.PutCase(d.Platform, d.Shop, d.Case); err != nil {
			return fmt.Errorf("seed %s/%s: %w", d.Platform, d.Shop, err)
		}
	}
	return nil
}
