package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/orgsync/orgsync/pkg/spec"
)

func runFmt(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	dir := fs.String("c", ".", "configuration `DIR`ectory (every *.hcl file in it), used when no FILE is given")
	check := fs.Bool("check", false, "write nothing; list the files that would change and exit 1 if any")
	showDiff := fs.Bool("diff", false, "print a unified diff of each change")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: orgsync fmt [-check] [-diff] [-c DIR] [FILE...]")
		fmt.Fprintln(fs.Output(), "\nRewrite configuration files in canonical format and list the files changed.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}

	var results []spec.FormatResult
	var err error
	if fs.NArg() > 0 {
		results, err = spec.FormatFiles(fs.Args())
	} else {
		results, err = spec.FormatDir(*dir)
	}
	var ferr *spec.FormatError
	switch {
	case errors.As(err, &ferr):
		_ = spec.WriteDiagnostics(e.s.Err, ferr.Files, ferr.Diags, stderrColor(e))
	case err != nil:
		fmt.Fprintf(e.s.Err, "orgsync fmt: %v\n", err)
		return exitError
	}

	failed := err != nil
	changed := 0
	for _, r := range results {
		if !r.Changed {
			continue
		}
		changed++
		fmt.Fprintln(e.s.Out, r.Path)
		if *showDiff {
			writeUnifiedDiff(e.s.Out, r.Path, string(r.Before), string(r.After))
		}
		if *check {
			continue
		}
		mode := os.FileMode(0o644)
		if fi, statErr := os.Stat(r.Path); statErr == nil {
			mode = fi.Mode().Perm()
		}
		if werr := os.WriteFile(r.Path, r.After, mode); werr != nil {
			fmt.Fprintf(e.s.Err, "orgsync fmt: %v\n", werr)
			failed = true
		}
	}
	if failed || (*check && changed > 0) {
		return exitError
	}
	return exitOK
}
