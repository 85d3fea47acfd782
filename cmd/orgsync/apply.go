package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/planfile"
	"github.com/orgsync/orgsync/pkg/render"
	"github.com/orgsync/orgsync/pkg/spec"
)

// planFileFlags are the flags that would change what a plan is computed
// from: with a saved plan they are an error, as in Terraform.
var planFileFlags = []string{"c", "var", "var-file", "target", "allow-destroy", "allow-mass-delete", "impact-budget"}

func runApply(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: orgsync apply [-c DIR | PLANFILE] [-auto-approve] [-format text|json] [-parallelism N] [-rate-limit RATE] [-lock-timeout D] [-impact-out FILE] [-result-out FILE]\n\n"+
			"Plan (or recompute a plan saved with 'orgsync plan -out') and make the tenant match it.\n"+
			"Without -auto-approve, asks for 'yes' on a terminal and refuses without one.\n"+
			"With PLANFILE, the plan is recomputed from the inputs in the file and applied only when its\n"+
			"changes are the ones reviewed; otherwise nothing is changed and the differences are listed.\n\n")
		fs.PrintDefaults()
	}
	var f planFlags
	f.register(fs)
	autoApprove := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	format := fs.String("format", "text", "output format: text or json")
	lockTimeout := fs.Duration("lock-timeout", 0, "wait up to `D` for the apply lock another run holds (0: fail at once)")
	impactOut := fs.String("impact-out", "", "write the token impact of what was applied as JSON to `FILE` (also after a partial apply)")
	resultOut := fs.String("result-out", "", "write the full account of the apply (every change: done, failed or not started) as JSON to `FILE`")
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
	if err := f.checkAddresses(); err != nil {
		printErr(e, err)
		return exitError
	}
	if fs.NArg() == 1 {
		if given := givenFlags(fs, planFileFlags...); len(given) > 0 {
			fmt.Fprintf(e.s.Err, "Error: %s cannot be used with a saved plan: the plan file holds the configuration, variables, "+
				"targets and allow flags it was reviewed with. Plan again with them, or apply without the plan file.\n", strings.Join(given, ", "))
			return exitError
		}
	}
	var (
		pl    *planned
		saved *planfile.File
		res   *spec.Result
		err   error
	)
	// Everything that can be checked without the tenant is checked first:
	// a saved plan's signature, or the configuration.
	if fs.NArg() == 1 {
		if saved, err = readSavedPlan(e, fs.Arg(0)); err != nil {
			printErr(e, err)
			return exitError
		}
	} else if res, err = loadConfig(e, f.cfg.input(e)); err != nil {
		return exitError
	}
	c, err := f.conn.client(e)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	// The lock is taken before the tenant is read for the plan: no other
	// apply can change it between this plan and its execution.
	lock, err := acquireLock(e, c, "apply", *lockTimeout)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	defer releaseLock(e, lock)
	// The plan reads at plan's parallelism unless -parallelism is given:
	// apply's lower default is for its writes.
	reads := f.conn
	if len(givenFlags(fs, "parallelism")) == 0 {
		reads.parallelism = apply.DefaultFetchParallelism
	}
	f.impactDetail = *impactOut != ""
	if saved != nil {
		pl, err = recomputeSavedPlan(e, &reads, c, saved, f.impactDetail)
		// A saved plan was reviewed when it was made: no second question.
		*autoApprove = true
	} else {
		res.Sources = spec.Sources{} // for plan files only: megabytes in a large configuration
		pl, err = computePlan(e, &reads, c, res, f.inputs())
	}
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

	if pl.plan.HasChanges() && !*autoApprove {
		if !e.s.InTTY {
			fmt.Fprintln(e.s.Err, "Error: -auto-approve is required when not running interactively (no terminal to ask on).")
			return exitError
		}
		ok, err := confirm(e)
		if err != nil || !ok {
			fmt.Fprintln(e.s.Out, "\nApply cancelled.")
			return exitError
		}
	}

	if *impactOut == "" {
		// Nothing past this point shows the planned token impact (only
		// -impact-out writes it): it is let go for the apply.
		pl.plan.TokenImpact = nil
	}
	prog := newProgress(e, pl.plan)
	result, execErr := apply.Execute(e.ctx, pl.client, pl.plan, pl.live, apply.ExecOptions{
		Parallelism: f.conn.parallelism,
		Notify:      prog.event,
		Lock:        lock,
		Version:     currentVersion(),
		Commit:      configCommit(e.getenv),
	})
	prog.finish()
	f.conn.log.Debug().Int64("requests", pl.client.Requests()).Msg("apply finished")
	acct := accountFor(pl.plan, result, execErr)
	code := exitOK
	if acct.failed() {
		code = exitError
	}
	if *impactOut != "" {
		if err := writeImpact(*impactOut, pl.plan, result, acct); err != nil {
			printErr(e, fmt.Errorf("writing -impact-out: %w", err))
			code = exitError
		}
	}
	if *resultOut != "" {
		if err := writeFileWith(*resultOut, func(w io.Writer) error { return acct.writeJSON(w) }); err != nil {
			printErr(e, fmt.Errorf("writing -result-out: %w", err))
			code = exitError
		}
	}
	if *format == "json" {
		if err := acct.writeJSON(e.s.Out); err != nil {
			printErr(e, err)
			return exitError
		}
		return code
	}
	acct.writeText(e, *resultOut)
	return code
}

// givenFlags returns, as -name, the flags among names set on the command line.
func givenFlags(fs *flag.FlagSet, names ...string) []string {
	var out []string
	fs.Visit(func(fl *flag.Flag) {
		for _, n := range names {
			if fl.Name == n {
				out = append(out, "-"+n)
			}
		}
	})
	return out
}

// readSavedPlan reads a plan file and checks its signature and endpoint,
// before anything is read from or sent to the tenant.
func readSavedPlan(e *env, path string) (*planfile.File, error) {
	file, err := planfile.Read(path)
	if err != nil {
		return nil, err
	}
	if err := file.Verify(e.getenv("LOGTO_APP_SECRET")); err != nil {
		return nil, err
	}
	endpoint := strings.TrimRight(e.getenv("LOGTO_ENDPOINT"), "/")
	if ep := file.Plan.Endpoint; ep != "" && endpoint != "" && strings.TrimRight(ep, "/") != endpoint {
		return nil, fmt.Errorf("the plan in %s was made for %s, but LOGTO_ENDPOINT is %s: nothing was changed", path, ep, endpoint)
	}
	return file, nil
}

// recomputeSavedPlan recomputes the plan of a verified plan file from the
// inputs it stores against a fresh read of the tenant, and returns it when
// its changes are the reviewed ones.
func recomputeSavedPlan(e *env, conn *connFlags, c *logto.Client, file *planfile.File, impactDetail bool) (*planned, error) {
	saved := file.Plan
	res, err := loadConfig(e, spec.Input{Sources: &saved.Configuration})
	if err != nil {
		return nil, fmt.Errorf("the configuration saved in %s no longer loads (was it made by another orgsync version, %s?): nothing was changed",
			file.Path, saved.OrgsyncVersion)
	}
	in := planInputs{targets: saved.Targets, allowDestroy: saved.AllowDestroy, allowMassDelete: saved.AllowMassDelete, impactBudget: saved.ImpactBudget, impactDetail: impactDetail}
	pl, err := computePlan(e, conn, c, res, in)
	if err != nil {
		var refused *diff.RefusedError
		if errors.As(err, &refused) {
			printErr(e, err)
			return nil, fmt.Errorf("the saved plan %s cannot be applied: the plan computed from it now is refused; nothing was changed", file.Path)
		}
		return nil, err
	}
	if diffs := diff.CompareChanges(saved.Plan.Changes, pl.plan.Changes); len(diffs) > 0 {
		return nil, &staleError{path: file.Path, diffs: diffs}
	}
	return pl, nil
}

// staleError is a saved plan whose changes are no longer what the plan
// computed now would do.
type staleError struct {
	path  string
	diffs []diff.Difference
}

// maxStaleLines bounds the differences listed.
const maxStaleLines = 50

func (e *staleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the saved plan %s is stale: the tenant changed since it was reviewed, and the plan computed now differs "+
		"in %d place(s). Nothing was changed.\n", e.path, len(e.diffs))
	for i, d := range e.diffs {
		if i == maxStaleLines {
			fmt.Fprintf(&b, "  … and %d more\n", len(e.diffs)-i)
			break
		}
		fmt.Fprintf(&b, "  %s\n", d)
	}
	fmt.Fprintf(&b, "Run `orgsync plan -out %s` again and review the new plan.", e.path)
	return b.String()
}

func confirm(e *env) (bool, error) {
	fmt.Fprint(e.s.Out, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	return readYes(e)
}

// readYes reads one answer line: true when it is "yes". It returns as soon
// as e's context ends (Ctrl-C), even while the read still waits.
func readYes(e *env) (bool, error) {
	type answer struct {
		line string
		err  error
	}
	// The read cannot be interrupted; when the context ends first, the
	// goroutine is left blocked on the terminal until the process exits.
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(e.s.In).ReadString('\n')
		answers <- answer{line, err}
	}()
	select {
	case a := <-answers:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return false, a.err
		}
		return strings.TrimSpace(a.line) == "yes", nil
	case <-e.ctx.Done():
		return false, context.Cause(e.ctx)
	}
}

func writeImpact(path string, p *diff.Plan, res *apply.Result, acct *account) error {
	done := make(map[int]bool, len(res.Done))
	for _, i := range res.DoneIndexes {
		done[i] = true
	}
	impacts, ok := p.ImpactOf(func(i int) bool { return done[i] })
	if !ok {
		impacts = p.TokenImpact
	}
	status := "complete"
	if acct.failed() {
		status = "partial"
	}
	return writeFileWith(path, func(w io.Writer) error {
		return render.ImpactJSON(w, impacts, render.ImpactMeta{AppliedAt: time.Now().UTC(), Status: status, Planned: p.TokenImpact, Gap: p.ImpactGap})
	})
}

// writeFileWith writes a file through write, readable by its owner and group.
func writeFileWith(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// configCommit is the commit of the configuration being applied, for the
// ownership record: ORGSYNC_COMMIT, else what the CI system says
// (GITHUB_SHA, CI_COMMIT_SHA), else none.
func configCommit(getenv func(string) string) string {
	for _, k := range []string{"ORGSYNC_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return ""
}
