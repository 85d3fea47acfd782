package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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

// writeUnifiedDiff prints a unified diff (3 lines of context) of a and b.
func writeUnifiedDiff(w io.Writer, path, a, b string) {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	fmt.Fprintf(w, "--- %s\n+++ %s\n", path, path)
	const ctx = 3
	// Group the edit script into hunks separated by more than 2*ctx equal lines.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(0, i-ctx)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(run, end+ctx)
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lineOp is one line of an edit script: ' ' kept, '-' removed, '+' added;
// a and b are the 0-based line numbers in the old and new text where it applies.
type lineOp struct {
	kind rune
	text string
	a, b int
}

// diffLines computes a shortest edit script by longest common subsequence.
// Configuration files are small; for very large inputs it falls back to
// replacing everything rather than using quadratic memory.
func diffLines(a, b []string) []lineOp {
	var ops []lineOp
	if len(a)*len(b) > 4_000_000 {
		for i, l := range a {
			ops = append(ops, lineOp{'-', l, i, 0})
		}
		for j, l := range b {
			ops = append(ops, lineOp{'+', l, len(a), j})
		}
		return ops
	}
	// lcs[i][j] = length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, lineOp{' ', a[i], i, j})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, lineOp{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, lineOp{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
