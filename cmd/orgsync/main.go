// Command orgsync makes a Logto tenant's organization template reproducible
// from HCL files kept in git.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type exitCode int

const (
	exitOK      exitCode = 0
	exitError   exitCode = 1
	exitChanges exitCode = 2 // plan -detailed-exitcode: the plan has changes
)

// streams are the command's standard streams and what is known about them.
type streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
}

// env is everything a command needs from the process, injected so tests can
// run commands in-process.
type env struct {
	ctx    context.Context
	s      streams
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr)}
	code := run(&env{ctx: ctx, s: s, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(int(code))
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) exitCode
}

func commands() []command {
	return []command{
		{"validate", "Check the configuration, offline", runValidate},
		{"fmt", "Rewrite configuration files in canonical format", runFmt},
		{"plan", "Show what apply would change in the tenant", runPlan},
		{"apply", "Make the tenant match the configuration", runApply},
		{"show", "Print a saved plan, as plan printed it", runShow},
		{"force-unlock", "Remove an apply lock a run left behind", runForceUnlock},
		{"export", "Write HCL for the live tenant", runExport},
		{"emulator", "Run the built-in Logto Management API emulator", runEmulator},
		{"demo", "Run plan and apply of examples/saas against the built-in emulator", runDemo},
		{"version", "Print version and build information", runVersion},
	}
}

func run(e *env, args []string) exitCode {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(e.s.Err)
		if len(args) == 0 {
			return exitError
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.s.Err, "orgsync: unknown command %q\n\n", args[0])
	usage(e.s.Err)
	return exitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: orgsync <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'orgsync <command> -h' for a command's flags.")
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0
}
