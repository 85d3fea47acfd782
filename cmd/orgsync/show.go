package main

import (
	"flag"
	"fmt"

	"github.com/orgsync/orgsync/pkg/planfile"
)

// runShow renders a saved plan offline, exactly as `plan` printed it: a
// pull-request comment made from `show` and the artifact `apply` recomputes
// are provably the same plan.
func runShow(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: orgsync show PLANFILE [-format text|json|markdown]\n\n"+
			"Print a plan saved with 'orgsync plan -out', as plan printed it. Needs no tenant.\n"+
			"With LOGTO_APP_SECRET set, the file's signature is checked first.\n\n")
		fs.PrintDefaults()
	}
	format := fs.String("format", "text", "output format: text, json or markdown")
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.s.Err, "Error: show takes one saved plan file: orgsync show PLANFILE")
		return exitError
	}
	if err := checkFormat(*format, "text", "json", "markdown"); err != nil {
		printErr(e, err)
		return exitError
	}
	file, err := planfile.Read(fs.Arg(0))
	if err != nil {
		printErr(e, err)
		return exitError
	}
	if secret := e.getenv("LOGTO_APP_SECRET"); secret != "" {
		if err := file.Verify(secret); err != nil {
			printErr(e, err)
			return exitError
		}
	} else {
		fmt.Fprintf(e.s.Err, "Note: %s was not checked against its signature (LOGTO_APP_SECRET is not set); `orgsync apply` checks it.\n", file.Path)
	}
	if err := writePlan(e, file.Plan.Plan, *format); err != nil {
		printErr(e, err)
		return exitError
	}
	return exitOK
}
