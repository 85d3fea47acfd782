package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/spec"
)

// jsonPlanFailure is what `plan -format json` prints when there is no plan:
// the same format_version as a plan, "status": "failed" (a plan has no
// status), the error, and the configuration diagnostics or the reasons the
// plan was refused.
type jsonPlanFailure struct {
	FormatVersion string          `json:"format_version"`
	Status        string          `json:"status"`
	Error         string          `json:"error"`
	Diagnostics   json.RawMessage `json:"diagnostics"`
	Problems      []diff.Problem  `json:"problems"`
}

// writePlanFailure writes the failure document of a plan that could not be
// made, in the JSON or Markdown format of the plan it replaces.
func writePlanFailure(w io.Writer, format string, err error) error {
	var cfgErr *configError
	var refused *diff.RefusedError
	diags := json.RawMessage("[]")
	problems := []diff.Problem{}
	switch {
	case errors.As(err, &cfgErr):
		var b bytes.Buffer
		if derr := spec.DiagnosticsJSON(&b, cfgErr.diags, cfgErr.files); derr == nil {
			var doc struct {
				Diagnostics json.RawMessage `json:"diagnostics"`
			}
			if json.Unmarshal(b.Bytes(), &doc) == nil && doc.Diagnostics != nil {
				diags = doc.Diagnostics
			}
		}
	case errors.As(err, &refused):
		problems = refused.Problems
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonPlanFailure{FormatVersion: diff.FormatVersion, Status: "failed",
			Error: failureSummary(err), Diagnostics: diags, Problems: problems})
	}
	var b strings.Builder
	b.WriteString("**Plan failed**: nothing was planned and nothing was changed.\n\n")
	switch {
	case cfgErr != nil:
		b.WriteString("The configuration is invalid:\n\n")
		for _, d := range cfgErr.diags.Errs() {
			fmt.Fprintf(&b, "- %s\n", mdEscapeLine(d.Error()))
		}
	case refused != nil:
		b.WriteString("The plan is refused:\n\n")
		for _, p := range refused.Problems {
			fmt.Fprintf(&b, "- `%s`: %s. %s\n", p.Address, mdEscapeLine(p.Summary), mdEscapeLine(p.Detail))
		}
	default:
		fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(failureSummary(err), "```", "'''"))
	}
	_, werr := io.WriteString(w, b.String())
	return werr
}

// failureSummary is the error's text (without the marker of errors printed
// already).
func failureSummary(err error) string {
	var cfgErr *configError
	if errors.As(err, &cfgErr) {
		return cfgErr.Error()
	}
	return err.Error()
}

// mdEscapeLine keeps a message on one Markdown line.
func mdEscapeLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}
