package main

import (
	"flag"
	"fmt"

	"github.com/orgsync/orgsync/pkg/spec"
)

func runValidate(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	var cfg configFlags
	cfg.register(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON on stdout (Terraform validate -json shape)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: orgsync validate [-c DIR] [-json] [-var NAME=VALUE]... [-var-file FILE]...")
		fmt.Fprintln(fs.Output(), "\nParse and check the configuration, offline. Exit status 0: valid; 1: invalid.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "orgsync validate: unexpected argument %q; use -c DIR to choose the configuration directory\n", fs.Arg(0))
		return exitError
	}

	if *asJSON {
		res, diags := spec.Load(cfg.input(e))
		if err := spec.DiagnosticsJSON(e.s.Out, diags, res.Files); err != nil {
			fmt.Fprintf(e.s.Err, "orgsync validate: write JSON: %v\n", err)
			return exitError
		}
		if diags.HasErrors() {
			return exitError
		}
		return exitOK
	}

	res, ok := cfg.load(e)
	if !ok {
		return exitError
	}
	c := res.Config
	var members, apps int
	for _, o := range c.Organizations {
		members += len(o.Members)
		apps += len(o.Applications)
	}
	fmt.Fprintln(e.s.Out, "Success! The configuration is valid.")
	fmt.Fprintf(e.s.Out, "%s, %s, %s, %s, %s.\n",
		plural(len(c.Permissions), "permission"), plural(len(c.Roles), "role"),
		plural(len(c.Organizations), "organization"), plural(members, "member"), plural(apps, "application"))
	return exitOK
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
