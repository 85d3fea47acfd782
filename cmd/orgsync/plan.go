package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/planfile"
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
	impactBudget    int
	// impactDetail is apply's -impact-out given (planInputs).
	impactDetail bool
	// showOnly is plan without -out (planInputs).
	showOnly bool
}

func (f *planFlags) register(fs *flag.FlagSet) {
	f.cfg.register(fs)
	f.conn.register(fs, 8)
	fs.Var(&f.targets, "target", "plan only this address and what it contains (repeatable)")
	fs.Var(&f.allowDestroy, "allow-destroy", "lift prevent_destroy for this address (repeatable)")
	fs.BoolVar(&f.allowMassDelete, "allow-mass-delete", false, "allow deleting more than half of the managed objects of a kind")
	fs.Var(impactBudget{&f.impactBudget}, "impact-budget",
		"most list `requests` for the token impact of organizations the configuration does not declare, or \"unlimited\"; past it the impact is reported incomplete")
}

// planned is everything one planning run produced. Of the configuration
// only its sources are kept (for a saved plan): the loaded configuration
// is let go once the plan is computed.
type planned struct {
	sources spec.Sources
	inputs  planInputs
	client  *logto.Client
	live    *state.Live
	plan    *diff.Plan
}

// planInputs are the plan's flags: what, besides the configuration and the
// live tenant, the plan is computed from.
type planInputs struct {
	targets         []string
	allowDestroy    []string
	allowMassDelete bool
	impactBudget    int
	// impactDetail: the plan keeps its token impact per organization
	// (apply -impact-out writes it); not a saved input.
	impactDetail bool
	// showOnly: the plan is only shown (plan without -out), neither
	// applied nor saved (apply.PlanOptions.ShowOnly); not a saved input.
	showOnly bool
}

// checkAddresses refuses malformed -target and -allow-destroy addresses
// before anything is read.
func (f *planFlags) checkAddresses() error {
	for _, list := range []struct {
		flag  string
		addrs []string
	}{{"-target", f.targets}, {"-allow-destroy", f.allowDestroy}} {
		for _, a := range list.addrs {
			if err := state.ParseAddress(strings.TrimSpace(a)); err != nil {
				return fmt.Errorf("%s %w", list.flag, err)
			}
		}
	}
	return nil
}

func (f *planFlags) inputs() planInputs {
	return planInputs{targets: f.targets, allowDestroy: f.allowDestroy, allowMassDelete: f.allowMassDelete, impactBudget: f.impactBudget, impactDetail: f.impactDetail, showOnly: f.showOnly}
}

// makePlan loads the configuration, reads the tenant through c (connecting
// first when c is nil) and computes the plan. Problems are printed to
// stderr as they are found. The configuration's files are kept in the
// result's sources only with keepSources (for a plan file): they are
// megabytes in a large configuration.
func makePlan(e *env, f *planFlags, c *logto.Client, keepSources bool) (*planned, error) {
	res, err := loadConfig(e, f.cfg.input(e))
	if err != nil {
		return nil, err
	}
	if !keepSources {
		res.Sources = spec.Sources{}
	}
	return computePlan(e, &f.conn, c, res, f.inputs())
}

// computePlan reads what the plan needs through c (connecting first when c
// is nil) and computes it. Only res's configuration and sources are kept
// (its parsed files, the configuration's bytes, are let go).
func computePlan(e *env, conn *connFlags, c *logto.Client, res *spec.Result, in planInputs) (*planned, error) {
	cfg, sources := res.Config, res.Sources
	res = nil
	if c == nil {
		var err error
		if c, err = conn.client(e); err != nil {
			return nil, err
		}
	}
	live, p, err := apply.Plan(e.ctx, c, cfg, apply.PlanOptions{
		Parallelism:     conn.parallelism,
		Targets:         in.targets,
		AllowDestroy:    in.allowDestroy,
		AllowMassDelete: in.allowMassDelete,
		ImpactBudget:    in.impactBudget,
		ImpactDetail:    in.impactDetail,
		ReleaseConfig:   true, // nothing here reads it again
		ShowOnly:        in.showOnly,
	})
	if err != nil {
		return nil, err
	}
	conn.log.Debug().Int64("requests", c.Requests()).Int("organizations", len(live.Organizations)).Msg("read the tenant for the plan")
	return &planned{sources: sources, inputs: in, client: c, live: live, plan: p}, nil
}

// errReported is returned when the problem was already printed.
var errReported = errors.New("reported")

// printErr prints err on stderr unless it was printed already.
func printErr(e *env, err error) {
	var cfgErr *configError
	if errors.Is(err, errReported) || errors.As(err, &cfgErr) {
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
		fmt.Fprint(fs.Output(), "Usage: orgsync plan [-c DIR] [-out FILE] [-format text|json|markdown] [-detailed-exitcode [-drift-only]] [-var K=V]... [-var-file F]... [-target ADDR]...\n\n"+
			"Read the tenant (LOGTO_ENDPOINT, LOGTO_APP_ID, LOGTO_APP_SECRET) and print what apply would change.\n"+
			"Exit status: 0 success, 1 error, 2 with -detailed-exitcode when the plan has changes\n"+
			"(with -drift-only as well: when the tenant changed outside orgsync since its last apply).\n\n")
		fs.PrintDefaults()
	}
	var f planFlags
	f.register(fs)
	out := fs.String("out", "", "save the plan to `FILE`, for a later 'orgsync apply FILE'")
	format := fs.String("format", "text", "output format: text, json or markdown")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes (0: no changes, 1: error)")
	driftOnly := fs.Bool("drift-only", false, "with -detailed-exitcode, exit 2 only for changes made outside orgsync (drift), not for configuration changes not yet applied")
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
	if *driftOnly && !*detailed {
		fmt.Fprintln(e.s.Err, "Error: -drift-only changes what -detailed-exitcode reports; give both (plan -detailed-exitcode -drift-only)")
		return exitError
	}
	if err := f.checkAddresses(); err != nil {
		printErr(e, err)
		return exitError
	}
	f.showOnly = *out == ""
	pl, err := makePlan(e, &f, nil, *out != "")
	if err != nil {
		printErr(e, err)
		if *format != "text" {
			// A pull-request comment or a script reading stdout must learn
			// that the plan failed, not keep showing an older plan.
			_ = writePlanFailure(e.s.Out, *format, err)
		}
		return exitError
	}
	if *out == "" && *format != "json" {
		// Shown and not saved: what only an apply needs is let go before
		// the plan is written (text and markdown do not show it).
		pl.plan.DropExecution()
		pl.live = nil
	}
	if err := writePlan(e, pl.plan, *format); err != nil {
		printErr(e, err)
		return exitError
	}
	if *out != "" {
		if err := savePlan(e, *out, pl); err != nil {
			printErr(e, fmt.Errorf("saving the plan: %w", err))
			return exitError
		}
		fmt.Fprintf(e.s.Err, "\nSaved the plan to %s. To perform exactly these actions, run:\n    orgsync apply %s\n", *out, *out)
	}
	switch {
	case *driftOnly && len(pl.plan.Drift) > 0:
		return exitChanges
	case *detailed && !*driftOnly && pl.plan.HasChanges():
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

// savePlan writes the plan file: the reviewed inputs and changes, signed
// with the application secret.
func savePlan(e *env, path string, pl *planned) error {
	return planfile.Write(path, &planfile.Plan{
		OrgsyncVersion:  currentVersion(),
		CreatedAt:       time.Now().UTC().Truncate(time.Second),
		Endpoint:        strings.TrimRight(e.getenv("LOGTO_ENDPOINT"), "/"),
		Configuration:   pl.sources,
		Targets:         nonNil(pl.inputs.targets),
		AllowDestroy:    nonNil(pl.inputs.allowDestroy),
		AllowMassDelete: pl.inputs.allowMassDelete,
		ImpactBudget:    pl.inputs.impactBudget,
		Plan:            pl.plan,
	}, e.getenv("LOGTO_APP_SECRET"))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
