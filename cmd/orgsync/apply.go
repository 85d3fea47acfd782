package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/render"
	"github.com/orgsync/orgsync/pkg/state"
)

func runApply(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: orgsync apply [-c DIR | PLANFILE] [-auto-approve] [-format text|json] [-parallelism N] [-impact-out FILE]\n\n"+
			"Plan (or load a plan saved with 'orgsync plan -out') and make the tenant match it.\n"+
			"Without -auto-approve, asks for 'yes' on a terminal and refuses without one.\n\n")
		fs.PrintDefaults()
	}
	var f planFlags
	f.register(fs)
	autoApprove := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	format := fs.String("format", "text", "output format: text or json")
	impactOut := fs.String("impact-out", "", "write the token impact of the applied plan as JSON to `FILE`")
	// The default parallelism keeps a large apply inside Logto Cloud's
	// budget of about 20 requests per second.
	fs.Lookup("parallelism").DefValue = "4"
	f.conn.parallelism = 4
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	e, stop := f.conn.withDeadline(e)
	defer stop()
	if err := checkFormat(*format, "text", "json"); err != nil {
		printErr(e, err)
		return exitError
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(e.s.Err, "Error: apply takes at most one saved plan file, got %d arguments\n", fs.NArg())
		return exitError
	}

	var (
		pl  *planned
		err error
	)
	if fs.NArg() == 1 {
		pl, err = loadSavedPlan(e, &f, fs.Arg(0))
		if err != nil {
			printErr(e, err)
			return exitError
		}
		// A saved plan was reviewed when it was made: no second question.
		*autoApprove = true
		if *format == "text" {
			if err := render.Text(e.s.Out, pl.plan, render.NewStyle(e.s.OutTTY, e.getenv)); err != nil {
				printErr(e, err)
				return exitError
			}
		}
	} else {
		pl, err = makePlan(e, &f)
		if err != nil {
			printErr(e, err)
			return exitError
		}
		if *format == "text" {
			if err := writePlan(e, pl.plan, "text"); err != nil {
				printErr(e, err)
				return exitError
			}
		}
	}

	if pl.plan.HasChanges() && !*autoApprove {
		if !e.s.InTTY {
			fmt.Fprintln(e.s.Err, "Error: -auto-approve is required when not running interactively (no terminal to ask on).")
			return exitError
		}
		ok, err := confirm(e.ctx, e.s.In, e.s.Out)
		if err != nil || !ok {
			fmt.Fprintln(e.s.Out, "\nApply cancelled.")
			return exitError
		}
	}

	res, execErr := apply.Execute(e.ctx, pl.client, pl.plan, pl.live, apply.ExecOptions{
		Parallelism: f.conn.parallelism,
		Notify:      newProgress(e, len(pl.plan.Operations)).event,
	})
	if res == nil {
		printErr(e, execErr)
		return exitError
	}
	code := reportApply(e, pl.plan, res, execErr, *format)
	if code == exitOK && *impactOut != "" {
		if err := writeImpact(*impactOut, pl.plan); err != nil {
			printErr(e, fmt.Errorf("writing -impact-out: %w", err))
			return exitError
		}
	}
	return code
}

// loadSavedPlan reads a plan file and checks that nothing it read has moved.
func loadSavedPlan(e *env, f *planFlags, path string) (*planned, error) {
	sp, err := apply.ReadPlanFile(path)
	if err != nil {
		return nil, err
	}
	endpoint := strings.TrimRight(e.getenv("LOGTO_ENDPOINT"), "/")
	if sp.Endpoint != "" && endpoint != "" && strings.TrimRight(sp.Endpoint, "/") != endpoint {
		return nil, fmt.Errorf("the plan in %s was made for %s, but LOGTO_ENDPOINT is %s", path, sp.Endpoint, endpoint)
	}
	log, err := f.conn.logger(e)
	if err != nil {
		return nil, err
	}
	c, err := f.conn.connect(e, log)
	if err != nil {
		return nil, err
	}
	fresh, err := readLive(e.ctx, c, sp.Config, nil, f.conn.parallelism)
	if err != nil {
		return nil, err
	}
	if changed := relevantChanges(sp.Config, fresh, apply.Stale(sp.Fingerprints, apply.Fingerprint(fresh))); len(changed) > 0 {
		names := objectNames(sp.Live, fresh)
		for i, c := range changed {
			changed[i] = describeChange(c, names)
		}
		return nil, fmt.Errorf("the saved plan %s is stale: the tenant changed since it was made:\n  %s\nRun `orgsync plan -out %s` again and review the new plan",
			path, strings.Join(changed, "\n  "), path)
	}
	return &planned{client: c, live: fresh, plan: sp.Plan}, nil
}

// relevantChanges drops, from what moved since a plan was saved, the
// organizations created in the meantime that the plan cannot be affected by:
// apps create organizations at run time, and a busy tenant would otherwise
// never accept a saved plan. A new organization still counts when
// organizations are exclusive or its name is one the configuration matches on.
func relevantChanges(cfg *state.Config, fresh *state.Live, changed []string) []string {
	if cfg == nil || cfg.Settings.ExclusiveOrganizations {
		return changed
	}
	declared := map[string]bool{}
	for _, o := range cfg.Organizations {
		declared[o.Name] = true
	}
	names := map[string]string{}
	for _, o := range fresh.Organizations {
		names[o.ID] = o.Name
	}
	var out []string
	for _, c := range changed {
		if rest, ok := strings.CutPrefix(c, "organization:"); ok && strings.HasSuffix(c, " was added") {
			id := strings.TrimSuffix(rest, " was added")
			id, _, _ = strings.Cut(id, "/")
			if name, ok := names[id]; ok && !declared[name] {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// objectNames maps fingerprint keys ("role:<id>") to readable names, from
// the live states a saved plan was made from and re-read against.
func objectNames(lives ...*state.Live) map[string]string {
	names := map[string]string{}
	for _, l := range lives {
		if l == nil {
			continue
		}
		for _, p := range l.Permissions {
			names["permission:"+p.ID] = state.PermissionAddress(p.Name)
		}
		for _, r := range l.Roles {
			names["role:"+r.ID] = state.RoleAddress(r.Name)
		}
		for _, o := range l.Organizations {
			names["organization:"+o.ID] = fmt.Sprintf("organization %q", o.Name)
		}
		for _, r := range l.Resources {
			names["resource:"+r.ID] = "API resource " + r.Indicator
		}
		for id, u := range l.Users {
			n := u.Email
			if n == "" {
				n = u.Username
			}
			if n != "" {
				names["user:"+id] = "user " + n
			}
		}
		for id, a := range l.Applications {
			names["application:"+id] = fmt.Sprintf("application %q", a.Name)
		}
	}
	names["record"] = "the ownership record (another apply ran)"
	return names
}

// describeChange rewrites "role:<id> changed" as "role.admin (role:<id>) changed".
func describeChange(line string, names map[string]string) string {
	key, rest, ok := strings.Cut(line, " ")
	if !ok {
		return line
	}
	base, sub, _ := strings.Cut(key, "/")
	name, ok := names[base]
	if !ok {
		return line
	}
	if sub != "" {
		name += " " + sub
	}
	if key == "record" {
		return name + " " + rest
	}
	return name + " (" + key + ") " + rest
}

// confirm asks for "yes". It returns as soon as ctx ends (Ctrl-C at the
// prompt), without waiting for a line that may never come.
func confirm(ctx context.Context, in io.Reader, out io.Writer) (bool, error) {
	fmt.Fprint(out, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	type answer struct {
		line string
		err  error
	}
	// The read cannot be interrupted; when ctx ends first, the goroutine
	// is left blocked on the terminal until the process exits.
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		answers <- answer{line, err}
	}()
	select {
	case a := <-answers:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return false, a.err
		}
		return strings.TrimSpace(a.line) == "yes", nil
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
}

// progress prints one line per finished operation, or a counter line on a
// terminal when there are many.
type progress struct {
	mu    sync.Mutex
	e     *env
	total int
	done  int
	bar   bool
}

func newProgress(e *env, total int) *progress {
	return &progress{e: e, total: total, bar: e.s.ErrTTY && total > 30}
}

func (p *progress) event(ev apply.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.e.s.Err
	if !ev.Done {
		if !p.bar {
			fmt.Fprintf(w, "%s: %s...\n", opLabel(ev.Op), verb(ev.Op.Method, false))
		}
		return
	}
	p.done++
	switch {
	case ev.Err != nil:
		if p.bar {
			fmt.Fprint(w, "\r\033[K")
		}
		fmt.Fprintf(w, "%s: %s %s failed after %s: %v\n", opLabel(ev.Op), ev.Op.Method, ev.Op.Path, round(ev.Elapsed), ev.Err)
	case p.bar:
		width := 30
		filled := width * p.done / max(p.total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.done, p.total, ev.Op.Address)
		if p.done == p.total {
			fmt.Fprintln(w)
		}
	default:
		id := ""
		if ev.ID != "" {
			id = " [id=" + ev.ID + "]"
		}
		fmt.Fprintf(w, "%s: %s complete after %s%s [%d/%d]\n", opLabel(ev.Op), verb(ev.Op.Method, true), round(ev.Elapsed), id, p.done, p.total)
	}
}

func verb(method string, done bool) string {
	words := map[string][2]string{
		"POST":   {"Creating", "Creation"},
		"PUT":    {"Modifying", "Modifications"},
		"PATCH":  {"Modifying", "Modifications"},
		"DELETE": {"Destroying", "Destruction"},
	}
	w, ok := words[method]
	if !ok {
		w = [2]string{"Calling", "Call"}
	}
	if done {
		return w[1]
	}
	return w[0]
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(100 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

// reportApply prints the outcome: the counts, or exactly what was done and
// what was not.
func reportApply(e *env, p *diff.Plan, res *apply.Result, execErr error, format string) exitCode {
	done := map[string]bool{}
	for _, op := range res.Done {
		for _, a := range covers(op) {
			done[a] = true
		}
	}
	notDone := map[string]bool{}
	for _, f := range res.Failed {
		for _, a := range covers(f.Op) {
			notDone[a] = true
		}
	}
	for _, op := range res.NotStarted {
		for _, a := range covers(op) {
			notDone[a] = true
		}
	}
	var complete, partial, untouched []string
	var add, change, destroy int
	for _, c := range p.Changes {
		switch {
		case done[c.Address] && !notDone[c.Address]:
			complete = append(complete, c.Address)
			switch c.Action {
			case diff.Create:
				add++
			case diff.Delete:
				destroy++
			default:
				change++
			}
		case done[c.Address]:
			partial = append(partial, c.Address)
		case notDone[c.Address]:
			untouched = append(untouched, c.Address)
		default:
			// No operation of its own (covered by another change's calls).
			if execErr == nil && len(res.Failed) == 0 {
				complete = append(complete, c.Address)
			} else {
				untouched = append(untouched, c.Address)
			}
		}
	}
	failed := execErr != nil || len(res.Failed) > 0 || len(res.NotStarted) > 0
	if format == "json" {
		type failure struct {
			Address string `json:"address"`
			Method  string `json:"method"`
			Path    string `json:"path"`
			Error   string `json:"error"`
		}
		out := struct {
			FormatVersion string         `json:"format_version"`
			Status        string         `json:"status"`
			Summary       map[string]int `json:"summary"`
			Complete      []string       `json:"complete"`
			Partial       []string       `json:"partial"`
			NotStarted    []string       `json:"not_started"`
			Failed        []failure      `json:"failed"`
			Error         string         `json:"error,omitempty"`
		}{FormatVersion: diff.FormatVersion, Status: "complete",
			Summary:  map[string]int{"add": add, "change": change, "destroy": destroy},
			Complete: nonNil(complete), Partial: nonNil(partial), NotStarted: nonNil(untouched), Failed: []failure{}}
		for _, f := range res.Failed {
			out.Failed = append(out.Failed, failure{f.Op.Address, f.Op.Method, f.Op.Path, f.Err.Error()})
		}
		if failed {
			out.Status = "failed"
			if execErr != nil {
				out.Error = execErr.Error()
			}
		}
		enc := json.NewEncoder(e.s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			printErr(e, err)
			return exitError
		}
		if failed {
			return exitError
		}
		return exitOK
	}
	st := render.NewStyle(e.s.OutTTY, e.getenv)
	if !failed {
		fmt.Fprintf(e.s.Out, "\n%s %d added, %d changed, %d destroyed.\n", st.Green("Apply complete!"), add, change, destroy)
		return exitOK
	}
	fmt.Fprintf(e.s.Out, "\n%s\n", st.Red("Apply failed. The tenant is partly changed; running apply again converges."))
	if execErr != nil {
		fmt.Fprintf(e.s.Out, "\nError: %v\n", execErr)
	}
	if len(res.Failed) > 0 {
		fmt.Fprintln(e.s.Out, "\nFailed:")
		for _, f := range res.Failed {
			fmt.Fprintf(e.s.Out, "  %s: %s %s: %v\n", f.Op.Address, f.Op.Method, f.Op.Path, f.Err)
		}
	}
	list := func(title string, addrs []string) {
		if len(addrs) == 0 {
			return
		}
		sort.Strings(addrs)
		fmt.Fprintf(e.s.Out, "\n%s (%d):\n", title, len(addrs))
		for _, a := range addrs {
			fmt.Fprintf(e.s.Out, "  %s\n", a)
		}
	}
	list("Done", complete)
	list("Partly done", partial)
	list("Not done", untouched)
	return exitError
}

// covers returns the addresses of the changes an operation carries out.
func covers(op diff.Operation) []string {
	if len(op.Covers) > 0 {
		return op.Covers
	}
	return []string{op.Address}
}

// opLabel names an operation for progress lines: its address, and for calls
// on an organization's relations, which relation.
func opLabel(op diff.Operation) string {
	suffixes := []struct{ suffix, what string }{
		{"/users/roles", "member roles"},
		{"/applications/roles", "application roles"},
		{"/jit/email-domains", "JIT email domains"},
		{"/jit/roles", "JIT roles"},
		{"/resource-scopes", "API permissions"},
		{"/scopes", "permissions"},
		{"/roles", "roles"},
		{"/users", "members"},
		{"/applications", "applications"},
	}
	path := op.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, s := range suffixes {
		if strings.HasSuffix(path, s.suffix) {
			n := len(covers(op))
			if n > 1 {
				return fmt.Sprintf("%s %s (%d changes)", op.Address, s.what, n)
			}
			return op.Address + " " + s.what
		}
	}
	return op.Address
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeImpact(path string, p *diff.Plan) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := render.ImpactJSON(f, p, time.Now().UTC()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
