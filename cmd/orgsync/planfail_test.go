package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestE2EPlanFailureDocuments: a plan that fails still prints a document on
// stdout in the requested format, so that a pull-request comment or a
// script never keeps showing an earlier plan.
func TestE2EPlanFailureDocuments(t *testing.T) {
	tn := newE2E(t)
	applyBase(tn)

	type failure struct {
		FormatVersion string `json:"format_version"`
		Status        string `json:"status"`
		Error         string `json:"error"`
		Diagnostics   []struct {
			Summary string `json:"summary"`
			Range   *struct {
				Filename string `json:"filename"`
				Start    struct{ Line, Column int }
			} `json:"range"`
		} `json:"diagnostics"`
		Problems []struct{ Address, Summary, Detail string } `json:"problems"`
	}
	decode := func(t *testing.T, r *e2eRun) failure {
		t.Helper()
		var f failure
		if err := json.Unmarshal([]byte(r.stdout), &f); err != nil {
			t.Fatalf("stdout is not a failure document: %v\n%s", err, r.stdout)
		}
		if f.FormatVersion != "1" || f.Status != "failed" || f.Error == "" {
			t.Errorf("failure document: %+v", f)
		}
		return f
	}

	t.Run("invalid configuration", func(t *testing.T) {
		tn.edit(`permissions = ["{{.P}}read:docs"]`, `permissions = ["{{.P}}read:dogs"]`)
		r := tn.must(exitError, "plan", "-format", "json")
		f := decode(t, r)
		if len(f.Diagnostics) != 1 || f.Diagnostics[0].Range == nil || f.Diagnostics[0].Range.Start.Line == 0 ||
			!strings.Contains(f.Diagnostics[0].Summary, "undeclared permission") {
			t.Errorf("diagnostics: %+v", f.Diagnostics)
		}
		r = tn.must(exitError, "plan", "-format", "markdown")
		if !strings.HasPrefix(r.stdout, "**Plan failed**") || !strings.Contains(r.stdout, "main.hcl:") {
			t.Errorf("markdown failure:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, "read:dogs") {
			t.Errorf("stderr lacks the diagnostic:\n%s", r.stderr)
		}
	})
	t.Run("refused plan", func(t *testing.T) {
		tn.config(`
permission "{{.P}}read:docs" {
  description = "Read documents"
}
`)
		r := tn.must(exitError, "plan", "-format", "json")
		f := decode(t, r)
		if len(f.Problems) == 0 || !strings.Contains(f.Problems[0].Summary, "more than half") {
			t.Errorf("problems: %+v", f.Problems)
		}
		r = tn.must(exitError, "plan", "-format", "markdown")
		if !strings.HasPrefix(r.stdout, "**Plan failed**") || !strings.Contains(r.stdout, "The plan is refused") {
			t.Errorf("markdown failure:\n%s", r.stdout)
		}
	})
	t.Run("credentials refused", func(t *testing.T) {
		tn.config(e2eBase)
		bad := e2eOpts{env: map[string]string{"LOGTO_APP_SECRET": "wrong"}}
		r := tn.runWith(bad, "plan", "-format", "json")
		r.expect(t, exitError)
		f := decode(t, r)
		if !strings.Contains(f.Error, "authentication failed") || strings.Contains(r.stdout, "wrong") {
			t.Errorf("error %q", f.Error)
		}
		r = tn.runWith(bad, "plan", "-format", "text")
		if r.stdout != "" {
			t.Errorf("a failed text plan printed on stdout:\n%s", r.stdout)
		}
	})
}
