package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/render"
)

// Change statuses of an apply account.
const (
	statusDone       = "done"
	statusPartial    = "partial"
	statusFailed     = "failed"
	statusNotStarted = "not_started"
)

// account is what an apply did, change by change, in plan order: the
// status of changes[i] is status[i], and errs[i] its error when it failed
// (one byte per change of a large apply).
type account struct {
	changes  []*diff.Change
	status   []string // status constants (shared strings)
	errs     map[int]string
	failures []apply.OpError
	err      error
	add      int
	change   int
	destroy  int
	anyDone  bool // some operation succeeded: the tenant changed
}

type changeResult struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
}

// accountFor sorts every change of p into done, partly done, failed or not
// started, from the operations that carry it out.
func accountFor(p *diff.Plan, res *apply.Result, execErr error) *account {
	a := &account{failures: res.Failed, err: execErr, anyDone: len(res.Done) > 0,
		changes: p.Changes, status: make([]string, len(p.Changes)), errs: map[int]string{}}
	done, pending := make(map[string]int, len(p.Changes)), map[string]int{}
	failed := map[string]string{}
	for _, op := range res.Done {
		for _, addr := range op.Changes() {
			done[addr]++
		}
	}
	for _, f := range res.Failed {
		for _, addr := range f.Op.Changes() {
			if _, ok := failed[addr]; !ok {
				failed[addr] = fmt.Sprintf("%s: %v", f.Op.Kind(), f.Err)
			}
		}
	}
	for _, op := range res.NotStarted {
		for _, addr := range op.Changes() {
			pending[addr]++
		}
	}
	for i, c := range p.Changes {
		var status string
		switch msg, isFailed := failed[c.Address]; {
		case isFailed:
			status, a.errs[i] = statusFailed, msg
		case done[c.Address] > 0 && pending[c.Address] == 0:
			status = statusDone
		case done[c.Address] > 0:
			status = statusPartial
		case pending[c.Address] > 0 || execErr != nil:
			status = statusNotStarted
		default:
			status = statusDone // carried out by no operation of its own
		}
		if status == statusDone {
			switch c.Action {
			case diff.Create:
				a.add++
			case diff.Delete:
				a.destroy++
			default:
				a.change++
			}
		}
		a.status[i] = status
	}
	return a
}

func (a *account) failed() bool {
	if a.err != nil || len(a.failures) > 0 {
		return true
	}
	for _, st := range a.status {
		if st != statusDone {
			return true
		}
	}
	return false
}

func (a *account) with(status string) []string {
	out := []string{}
	for i, st := range a.status {
		if st == status {
			out = append(out, a.changes[i].Address)
		}
	}
	return out
}

// results are the changes with their statuses, for JSON.
func (a *account) results() []changeResult {
	out := make([]changeResult, len(a.changes))
	for i, c := range a.changes {
		out[i] = changeResult{Address: c.Address, Kind: c.Kind, Action: string(c.Action), Status: a.status[i], Error: a.errs[i]}
	}
	return out
}

// writeJSON writes the full account (apply -format json, -result-out).
func (a *account) writeJSON(w io.Writer) error {
	type failure struct {
		Address   string `json:"address"`
		Operation string `json:"operation"`
		Error     string `json:"error"`
	}
	out := struct {
		FormatVersion string         `json:"format_version"`
		Status        string         `json:"status"`
		Summary       map[string]int `json:"summary"`
		Changes       []changeResult `json:"changes"`
		Complete      []string       `json:"complete"`
		Partial       []string       `json:"partial"`
		NotStarted    []string       `json:"not_started"`
		Failed        []failure      `json:"failed"`
		Error         string         `json:"error,omitempty"`
	}{
		FormatVersion: diff.FormatVersion, Status: "complete",
		Summary:  map[string]int{"add": a.add, "change": a.change, "destroy": a.destroy},
		Changes:  a.results(),
		Complete: a.with(statusDone), Partial: a.with(statusPartial), NotStarted: a.with(statusNotStarted),
		Failed: []failure{},
	}
	for _, f := range a.failures {
		out.Failed = append(out.Failed, failure{Address: opTitle(f.Op), Operation: string(f.Op.Kind()), Error: f.Err.Error()})
	}
	if a.failed() {
		out.Status = "failed"
		if a.err != nil {
			out.Error = a.err.Error()
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// maxListed bounds each list of addresses in the text account.
const maxListed = 10

// writeText prints the outcome: errors on stderr, then the summary on
// stdout, last, so that it is what a reader sees first at the bottom.
// Long lists are cut; the full account is in -result-out or -format json.
func (a *account) writeText(e *env, resultOut string) {
	st := render.NewStyle(e.s.OutTTY, e.getenv)
	if !a.failed() {
		fmt.Fprintf(e.s.Out, "\n%s %d added, %d changed, %d destroyed.\n", st.Green("Apply complete!"), a.add, a.change, a.destroy)
		return
	}
	es := render.NewStyle(e.s.ErrTTY, e.getenv)
	if a.err != nil {
		fmt.Fprintf(e.s.Err, "\n%s %v\n", es.Red("Error:"), a.err)
	}
	for i, f := range a.failures {
		if i == maxListed {
			fmt.Fprintf(e.s.Err, "  … and %d more failed operations\n", len(a.failures)-i)
			break
		}
		if i == 0 {
			fmt.Fprintln(e.s.Err, "\nFailed:")
		}
		fmt.Fprintf(e.s.Err, "  %s: %s: %v\n", opTitle(f.Op), f.Op.Kind(), f.Err)
	}
	list := func(title string, addrs []string) {
		if len(addrs) == 0 {
			return
		}
		fmt.Fprintf(e.s.Out, "\n%s (%d):\n", title, len(addrs))
		for i, addr := range addrs {
			if i == maxListed {
				fmt.Fprintf(e.s.Out, "  … and %d more\n", len(addrs)-i)
				break
			}
			fmt.Fprintf(e.s.Out, "  %s\n", addr)
		}
	}
	done, partial, failed, notStarted := a.with(statusDone), a.with(statusPartial), a.with(statusFailed), a.with(statusNotStarted)
	list("Done", done)
	list("Partly done", partial)
	list("Failed", failed)
	list("Not started", notStarted)
	where := "-result-out FILE or -format json has the full account"
	if resultOut != "" {
		where = "the full account is in " + resultOut
	}
	fmt.Fprintf(e.s.Out, "\n%s %d of %d changes done, %d partly done, %d failed, %d not started (%s).\n",
		st.Red("Apply failed:"), len(done), len(a.changes), len(partial), len(failed), len(notStarted), where)
	if a.anyDone {
		fmt.Fprintln(e.s.Out, "The tenant is partly changed; running apply again converges.")
	} else {
		fmt.Fprintln(e.s.Out, "Nothing was changed.")
	}
}
