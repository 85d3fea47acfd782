package main

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"

	"github.com/orgsync/orgsync/pkg/export"
)

// exportOrgFlag is the repeatable -org flag of export.
type exportOrgFlag []string

func (o *exportOrgFlag) String() string { return strings.Join(*o, ", ") }

func (o *exportOrgFlag) Set(v string) error {
	if v == "" {
		return errors.New("an organization name cannot be empty")
	}
	*o = append(*o, v)
	return nil
}

func runExport(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	var conn connFlags
	conn.register(fs, 8)
	dir := fs.String("o", ".", "write the configuration to `DIR` (created when missing)")
	var orgs exportOrgFlag
	fs.Var(&orgs, "org", "export only the organizations with this exact name (repeatable)")
	match := fs.String("org-match", "", "export only the organizations whose name matches this regular expression (RE2 syntax)")
	force := fs.Bool("force", false, "overwrite files the export writes that already exist")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: orgsync export [-o DIR] [-org NAME]... [-org-match REGEX] [-force] [-timeout D]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Write HCL that declares the live tenant's permissions, roles and organizations.")
		fmt.Fprintln(w, "`orgsync plan` on the result shows no changes; `orgsync apply` then records the")
		fmt.Fprintln(w, "exported objects as managed.")
		fmt.Fprintln(w)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "Error: unexpected argument %q (the output directory is given with -o)\n", fs.Arg(0))
		return exitError
	}
	e, stop := conn.withDeadline(e)
	defer stop()
	opts := export.Options{Dir: *dir, Orgs: orgs, Force: *force, Parallelism: conn.parallelism}
	if *match != "" {
		re, err := regexp.Compile(*match)
		if err != nil {
			printErr(e, fmt.Errorf("-org-match: %w", err))
			return exitError
		}
		opts.OrgMatch = re
	}
	log, err := conn.logger(e)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	c, err := conn.connect(e, log)
	if err != nil {
		printErr(e, err)
		return exitError
	}
	opts.Log = log
	sum, err := export.Run(e.ctx, c, opts)
	if err != nil {
		printErr(e, fmt.Errorf("export: %w", err))
		return exitError
	}
	for _, w := range sum.Warnings {
		fmt.Fprintf(e.s.Err, "Warning: %s\n", w)
	}
	fmt.Fprintf(e.s.Err, "Exported %s, %s, %s, %s and %s to %s (%s).\n",
		exportCount(sum.Permissions, "permission"), exportCount(sum.Roles, "role"),
		exportCount(sum.Organizations, "organization"), exportCount(sum.Members, "member"),
		exportCount(sum.Applications, "application"), sum.Dir, exportCount(len(sum.Files), "file"))
	fmt.Fprintf(e.s.Err, "Next: run `orgsync plan -c %s` — it should show no changes — then `orgsync apply -c %s` to record these objects as managed.\n",
		sum.Dir, sum.Dir)
	return exitOK
}

// exportCount is "1 role" or "3 roles".
func exportCount(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
