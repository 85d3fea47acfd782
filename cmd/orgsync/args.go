package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/orgsync/orgsync/pkg/apply"
)

// parseArgs parses a command's arguments into fs. Unlike flag.Parse, flags
// may follow positional arguments (`orgsync apply plan.bin -auto-approve`);
// "--" ends the flags, so that a positional argument may start with "-".
// -h, -help and --help print the command's usage on stdout. ok is false
// when the command must stop and return code: help was printed (0) or a flag
// was wrong (1; the error and the usage are on stderr). When ok, fs.Args()
// holds the positional arguments in order.
//
// fs.Usage must write to fs.Output().
func parseArgs(e *env, fs *flag.FlagSet, args []string) (code exitCode, ok bool) {
	if e.describe != nil {
		e.describe(fs)
		return exitOK, false
	}
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	defer fs.SetOutput(e.s.Err)
	var positional []string
	rest := args
	for {
		err := fs.Parse(rest)
		switch {
		case errors.Is(err, flag.ErrHelp):
			_, _ = e.s.Out.Write(msg.Bytes())
			return exitOK, false
		case err != nil:
			_, _ = e.s.Err.Write(msg.Bytes())
			return exitError, false
		}
		consumed := len(rest) - fs.NArg()
		ended := consumed > 0 && rest[consumed-1] == "--"
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if ended {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
	}
	// Leave the positional arguments in fs.Args().
	_ = fs.Parse(append([]string{"--"}, positional...))
	return exitOK, true
}

// intRange is an int flag that accepts only min..max, so that a bad value is
// refused while the flags are parsed, before anything is read or locked.
type intRange struct {
	p        *int
	min, max int
}

func (r intRange) String() string {
	if r.p == nil {
		return ""
	}
	return strconv.Itoa(*r.p)
}

func (r intRange) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < r.min || n > r.max {
		return fmt.Errorf("use a whole number from %d to %d", r.min, r.max)
	}
	*r.p = n
	return nil
}

// impactBudget is -impact-budget: a positive number of requests, or
// "unlimited" (stored as -1).
type impactBudget struct{ p *int }

func (b impactBudget) String() string {
	switch {
	case b.p == nil || *b.p == 0:
		return strconv.Itoa(apply.DefaultImpactBudget)
	case *b.p < 0:
		return "unlimited"
	}
	return strconv.Itoa(*b.p)
}

func (b impactBudget) Set(s string) error {
	if s == "unlimited" {
		*b.p = -1
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New(`use a positive number of requests, or "unlimited"`)
	}
	*b.p = n
	return nil
}
