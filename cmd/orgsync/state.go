package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/state"
)

// stateFlags are the flags of every state subcommand.
type stateFlags struct {
	conn      connFlags
	workspace string
	format    string
}

func (f *stateFlags) register(fs *flag.FlagSet) {
	f.conn.register(fs, 8)
	fs.StringVar(&f.workspace, "workspace", state.DefaultWorkspace, "the `NAME` of the configuration's workspace (orgsync { workspace })")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
}

func runState(e *env, args []string) exitCode {
	usage := "Usage: orgsync state list|show ADDR|rm ADDR... [-workspace NAME] [-format text|json] [-lock-timeout D]\n\n" +
		"The ownership record in view: what orgsync manages in the tenant.\n\n" +
		"  list      every managed address, with its Logto id\n" +
		"  show ADDR what orgsync recorded of ADDR: id, fingerprints of what it last applied, prevent_destroy\n" +
		"  rm ADDR   stop managing ADDR (an organization with everything in it) without deleting it in\n" +
		"            Logto; takes the apply lock\n"
	fs := flag.NewFlagSet("state", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage+"\n"); fs.PrintDefaults() }
	var f stateFlags
	f.register(fs)
	var lockTimeout time.Duration
	fs.DurationVar(&lockTimeout, "lock-timeout", 0, "state rm: wait up to `D` for the apply lock held by another run (default: fail at once)")
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprint(e.s.Err, "Error: state needs a subcommand: list, show or rm\n\n"+usage)
		return exitError
	}
	sub := fs.Arg(0)
	addrs := fs.Args()[1:]
	switch sub {
	case "list", "show", "rm":
	default:
		fmt.Fprintf(e.s.Err, "Error: unknown state subcommand %q\n\n%s", sub, usage)
		return exitError
	}
	if err := checkFormat(f.format, "text", "json"); err != nil {
		printErr(e, err)
		return exitError
	}
	if !state.ValidWorkspace(f.workspace) {
		fmt.Fprintf(e.s.Err, "Error: -workspace %q: a workspace name is 1 to 40 lowercase letters, digits and hyphens\n", f.workspace)
		return exitError
	}
	switch {
	case sub == "list" && len(addrs) != 0:
		fmt.Fprintln(e.s.Err, "Error: state list takes no address")
		return exitError
	case sub == "show" && len(addrs) != 1:
		fmt.Fprintln(e.s.Err, "Error: state show takes one address: orgsync state show ADDR")
		return exitError
	case sub == "rm" && len(addrs) == 0:
		fmt.Fprintln(e.s.Err, "Error: state rm takes the addresses to stop managing: orgsync state rm ADDR...")
		return exitError
	}
	for _, a := range addrs {
		if err := state.ParseAddress(a); err != nil {
			printErr(e, err)
			return exitError
		}
	}
	e, stop := f.conn.withDeadline(e)
	defer stop()
	c, err := f.conn.client(e)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	var lock *apply.Lock
	if sub == "rm" {
		if lock, err = acquireLock(e, c, "state rm", lockTimeout); err != nil {
			printErr(e, err)
			return exitError
		}
		defer releaseLock(e, lock)
	}
	rec, storage, _, err := apply.ReadRecords(e.ctx, c, f.workspace)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	labels, err := apply.ReadLabels(e.ctx, c, rec)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	entries := apply.RecordEntries(rec, labels)
	switch sub {
	case "list":
		return stateList(e, f, entries)
	case "show":
		found := apply.FindEntry(entries, addrs[0], false)
		if len(found) == 0 {
			return notInRecord(e, f.workspace, addrs[0])
		}
		return stateShow(e, f, found[0], rec)
	}
	var gone []apply.RecordEntry
	for _, a := range addrs {
		found := apply.FindEntry(entries, a, true)
		if len(found) == 0 {
			return notInRecord(e, f.workspace, a)
		}
		gone = append(gone, found...)
	}
	apply.Forget(&rec, gone)
	if _, err := apply.WriteRecord(e.ctx, c, rec, storage, lock); err != nil {
		printErr(e, err)
		return exitError
	}
	if f.format == "json" {
		return writeStateJSON(e, map[string]any{"workspace": f.workspace, "removed": gone})
	}
	for _, g := range gone {
		fmt.Fprintf(e.s.Out, "Removed %s (id %s)\n", g.Address, g.ID)
	}
	fmt.Fprintf(e.s.Out, "\norgsync no longer manages %s in workspace %q; nothing was deleted in Logto. "+
		"A plan now reports %s as unmanaged, or adopts %s again while the configuration declares %s.\n",
		pluralS(len(gone), "this object", "these objects"), f.workspace, pluralS(len(gone), "it", "them"),
		pluralS(len(gone), "it", "them"), pluralS(len(gone), "it", "them"))
	return exitOK
}

func pluralS(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func notInRecord(e *env, ws, addr string) exitCode {
	fmt.Fprintf(e.s.Err, "Error: %s is %v of workspace %q; orgsync state list shows what it holds.\n", addr, apply.ErrNotInRecord, ws)
	return exitError
}

func stateList(e *env, f stateFlags, entries []apply.RecordEntry) exitCode {
	if f.format == "json" {
		return writeStateJSON(e, map[string]any{"workspace": f.workspace, "objects": entries})
	}
	tw := tabwriter.NewWriter(e.s.Out, 0, 8, 2, ' ', 0)
	for _, en := range entries {
		fmt.Fprintf(tw, "%s\t%s\n", en.Address, en.ID)
	}
	tw.Flush()
	if len(entries) == 0 {
		fmt.Fprintf(e.s.Err, "The ownership record of workspace %q manages nothing yet.\n", f.workspace)
	}
	return exitOK
}

func stateShow(e *env, f stateFlags, en apply.RecordEntry, rec state.Record) exitCode {
	if f.format == "json" {
		out := map[string]any{"workspace": f.workspace, "object": en}
		if la := rec.LastApply; la.At > 0 {
			out["last_apply"] = map[string]any{"orgsync_version": la.Version, "commit": la.Commit,
				"applied_at": time.UnixMilli(la.At).UTC().Format(time.RFC3339)}
		}
		return writeStateJSON(e, out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", en.Address)
	fmt.Fprintf(&b, "kind            = %q\n", en.Kind)
	fmt.Fprintf(&b, "id              = %q\n", en.ID)
	if en.Org != "" && en.Kind != "jit" {
		fmt.Fprintf(&b, "organization_id = %q\n", en.Org)
	}
	fmt.Fprintf(&b, "prevent_destroy = %t\n", en.PreventDestroy)
	if en.Since > 0 {
		fmt.Fprintf(&b, "known_since     = %q\n", time.UnixMilli(en.Since).UTC().Format(time.RFC3339))
	}
	if len(en.Applied) == 0 {
		b.WriteString("applied         = {} # nothing recorded yet: the next apply records what it applies\n")
	} else {
		b.WriteString("applied = { # fingerprints of each attribute as orgsync last applied it\n")
		names := make([]string, 0, len(en.Applied))
		for n := range en.Applied {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "  %s = %q\n", n, en.Applied[n])
		}
		b.WriteString("}\n")
	}
	if la := rec.LastApply; la.At > 0 {
		fmt.Fprintf(&b, "\nLast apply: %s", time.UnixMilli(la.At).UTC().Format("2006-01-02 15:04:05 MST"))
		if la.Version != "" {
			fmt.Fprintf(&b, ", orgsync %s", la.Version)
		}
		if la.Commit != "" {
			fmt.Fprintf(&b, ", commit %s", la.Commit)
		}
		b.WriteString(".\n")
	}
	fmt.Fprint(e.s.Out, b.String())
	return exitOK
}

func writeStateJSON(e *env, v any) exitCode {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		printErr(e, err)
		return exitError
	}
	e.s.Out.Write(buf.Bytes())
	return exitOK
}
