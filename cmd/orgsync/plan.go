package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/render"
	"github.com/orgsync/orgsync/pkg/spec"
	"github.com/orgsync/orgsync/pkg/state"
)

// planFlags are the flags shared by plan and apply (when apply plans itself).
type planFlags struct {
	cfg             configFlags
	conn            connFlags
	targets         stringsFlag
	allowDestroy    stringsFlag
	allowMassDelete bool
}

func (f *planFlags) register(fs *flag.FlagSet) {
	f.cfg.register(fs)
	f.conn.register(fs, 8)
	fs.Var(&f.targets, "target", "plan only this address and what it contains (repeatable)")
	fs.Var(&f.allowDestroy, "allow-destroy", "lift prevent_destroy for this address (repeatable)")
	fs.BoolVar(&f.allowMassDelete, "allow-mass-delete", false, "allow deleting more than half of the managed objects of a kind")
}

// planned is everything one planning run produced.
type planned struct {
	spec   *spec.Result
	client *logto.Client
	live   *state.Live
	plan   *diff.Plan
}

// makePlan loads the configuration, reads the tenant and computes the plan.
// Problems are printed to stderr; the returned error only says that it failed.
func makePlan(e *env, f *planFlags) (*planned, error) {
	res, ok := f.cfg.load(e)
	if !ok {
		return nil, errReported
	}
	log, err := f.conn.logger(e)
	if err != nil {
		return nil, err
	}
	c, err := f.conn.connect(e, log)
	if err != nil {
		return nil, err
	}
	live, err := readLive(e.ctx, c, res.Config, []string(f.targets), f.conn.parallelism)
	if err != nil {
		return nil, err
	}
	p, err := diff.Compute(res.Config, live, diff.Options{
		Targets:         f.targets,
		AllowMassDelete: f.allowMassDelete,
		AllowDestroy:    f.allowDestroy,
		Now:             time.Now(),
	})
	if err != nil {
		return nil, err
	}
	return &planned{spec: res, client: c, live: live, plan: p}, nil
}

// readLive reads what the plan needs: the objects the configuration touches,
// then the members of every other organization when a role's scopes change,
// so that token impact covers organizations the configuration does not declare.
func readLive(ctx context.Context, c *logto.Client, cfg *state.Config, targets []string, parallelism int) (*state.Live, error) {
	live, err := apply.Fetch(ctx, c, cfg, apply.FetchOptions{Parallelism: parallelism, Targets: targets})
	if err != nil {
		return nil, fmt.Errorf("reading the tenant: %w (nothing was planned)", err)
	}
	if err := apply.LoadImpact(ctx, c, live, diff.AffectedRoles(cfg, live), parallelism); err != nil {
		return nil, fmt.Errorf("reading organization members for token impact: %w (nothing was planned)", err)
	}
	return live, nil
}

// errReported is returned when the problem was already printed.
var errReported = errors.New("reported")

// printErr prints err on stderr unless it was printed already.
func printErr(e *env, err error) {
	if errors.Is(err, errReported) {
		return
	}
	var refused *diff.RefusedError
	if errors.As(err, &refused) {
		st := render.NewStyle(e.s.ErrTTY, e.getenv)
		fmt.Fprintln(e.s.Err, st.Red("Error: the plan is refused."))
		for _, p := range refused.Problems {
			fmt.Fprintf(e.s.Err, "\n  %s: %s\n", p.Address, p.Summary)
			if p.Detail != "" {
				fmt.Fprintf(e.s.Err, "    %s\n", p.Detail)
			}
		}
		return
	}
	fmt.Fprintf(e.s.Err, "Error: %v\n", err)
}

func runPlan(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: orgsync plan [-c DIR] [-out FILE] [-format text|json|markdown] [-detailed-exitcode] [-var K=V]... [-var-file F]... [-target ADDR]...\n\n"+
			"Read the tenant (LOGTO_ENDPOINT, LOGTO_APP_ID, LOGTO_APP_SECRET) and print what apply would change.\n"+
			"Exit status: 0 success, 1 error, 2 with -detailed-exitcode when the plan has changes.\n\n")
		fs.PrintDefaults()
	}
	var f planFlags
	f.register(fs)
	out := fs.String("out", "", "save the plan to `FILE`, for a later 'orgsync apply FILE'")
	format := fs.String("format", "text", "output format: text, json or markdown")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes (0: no changes, 1: error)")
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	e, stop := f.conn.withDeadline(e)
	defer stop()
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "Error: unexpected argument %q (the configuration directory is given with -c)\n", fs.Arg(0))
		return exitError
	}
	if err := checkFormat(*format, "text", "json", "markdown"); err != nil {
		printErr(e, err)
		return exitError
	}
	pl, err := makePlan(e, &f)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	if err := writePlan(e, pl.plan, *format); err != nil {
		printErr(e, err)
		return exitError
	}
	if *out != "" {
		sp := &apply.SavedPlan{
			FormatVersion: apply.PlanFileFormat,
			CreatedAt:     time.Now().UTC(),
			ConfigHash:    configHash(pl.spec.Config),
			Endpoint:      strings.TrimRight(e.getenv("LOGTO_ENDPOINT"), "/"),
			Fingerprints:  apply.Fingerprint(pl.live),
			Plan:          pl.plan,
			Live:          pl.live,
			Config:        pl.spec.Config,
		}
		if err := apply.WritePlanFile(*out, sp); err != nil {
			printErr(e, fmt.Errorf("saving the plan: %w", err))
			return exitError
		}
		if *format == "text" {
			fmt.Fprintf(e.s.Out, "\nSaved the plan to %s. To perform exactly these actions, run:\n    orgsync apply %s\n", *out, *out)
		}
	}
	if *detailed && pl.plan.HasChanges() {
		return exitChanges
	}
	return exitOK
}

func writePlan(e *env, p *diff.Plan, format string) error {
	return renderPlan(e.s.Out, p, format, render.NewStyle(e.s.OutTTY, e.getenv))
}

func renderPlan(w io.Writer, p *diff.Plan, format string, st render.Style) error {
	switch format {
	case "json":
		return render.JSON(w, p)
	case "markdown":
		return render.Markdown(w, p, render.MarkdownOptions{})
	default:
		return render.Text(w, p, st)
	}
}

func checkFormat(got string, allowed ...string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return fmt.Errorf("-format %q: use one of %v", got, allowed)
}

// configHash identifies a decoded configuration.
func configHash(cfg *state.Config) string {
	b, _ := json.Marshal(cfg)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
