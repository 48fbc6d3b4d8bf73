package flexdeploy

import (
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// generateIn builds event e about freshly drawn objects at src's clock, in
// the server style st and id sequence ids of a longer story (a scenario
// run), so that its zone and ids agree with the story's other events.
// variant is Workflow Completed's ("deploy", "test"; "" lets src choose).
func generateIn(src *fake.Source, st style, ids *idSeq, e catalog.Event, variant string) (envelope, error) {
	if variant == "" && e.Name == workflowCompleted {
		variant = fake.Pick(src, []string{"deploy", "test"})
	}
	g := &oneShot{src: src, st: st, ids: ids, at: src.Now()}
	return g.event(e.Name, variant)
}

// setTestOutcome makes w's test results agree with how the workflow ended:
// every result passed when passed, else at least one failed (with the
// tool's failure message), the suite and execution statuses following.
func (w *workflowExecution) setTestOutcome(src *fake.Source, passed bool) {
	if !passed {
		failOne(src, w.TestSuiteExec)
		return
	}
	for i := range w.TestSuiteExec {
		s := &w.TestSuiteExec[i]
		s.Status = "PASSED"
		for j := range s.TestExecutions {
			ex := &s.TestExecutions[j]
			ex.Status = "PASSED"
			for k := range ex.TestResults {
				ex.TestResults[k].Status, ex.TestResults[k].Message = "PASSED", nil
			}
		}
	}
}
