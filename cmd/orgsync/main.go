// Command orgsync makes a Logto tenant's organization template reproducible
// from HCL files kept in git.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mattn/go-isatty"
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
	// describe, when set, receives a command's flag set instead of the
	// command running (shell completion reads the flags this way).
	describe func(*flag.FlagSet)
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
		{"state", "List, show or stop managing what the ownership record holds", runState},
		{"export", "Write HCL for the live tenant", runExport},
		{"emulator", "Run the built-in Logto Management API emulator", runEmulator},
		{"demo", "Run plan and apply of examples/saas against the built-in emulator", runDemo},
		{"version", "Print version and build information", runVersion},
		{"help", "Show the usage of orgsync or of one command", runHelp},
		{"completion", "Print a shell completion script for bash, zsh or fish", runCompletion},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func run(e *env, args []string) exitCode {
	if len(args) == 0 {
		usage(e.s.Err)
		return exitError
	}
	if isHelpFlag(args[0]) {
		usage(e.s.Out)
		return exitOK
	}
	if c, ok := findCommand(args[0]); ok {
		return c.run(e, args[1:])
	}
	fmt.Fprintf(e.s.Err, "orgsync: unknown command %q\n\n", args[0])
	usage(e.s.Err)
	return exitError
}

func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: orgsync <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'orgsync help <command>' or 'orgsync <command> -h' for a command's flags.")
}

// runHelp prints the usage of orgsync, or of the command named, on stdout.
func runHelp(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("help", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: orgsync help [COMMAND]")
		fmt.Fprintln(fs.Output(), "\nShow the usage of orgsync, or the usage and flags of COMMAND.")
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	switch fs.NArg() {
	case 0:
		usage(e.s.Out)
		return exitOK
	case 1:
		c, ok := findCommand(fs.Arg(0))
		if !ok {
			fmt.Fprintf(e.s.Err, "orgsync help: unknown command %q\n\n", fs.Arg(0))
			usage(e.s.Err)
			return exitError
		}
		return c.run(e, []string{"-h"})
	}
	fmt.Fprintf(e.s.Err, "orgsync help: one command at a time, got %d arguments\n", fs.NArg())
	return exitError
}

// isTerminal reports whether f is a terminal (not a pipe, a file, or a
// character device such as /dev/null).
func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
