package main

import (
	"flag"
	"strings"

	"github.com/orgsync/orgsync/pkg/spec"
)

// stringsFlag is a repeatable string flag: each use appends a value.
type stringsFlag []string

// String implements flag.Value.
func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

// Set implements flag.Value.
func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// configFlags are the flags that say which configuration to load.
type configFlags struct {
	dir      string
	vars     stringsFlag
	varFiles stringsFlag
}

func (c *configFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "c", ".", "configuration `DIR`ectory (every *.hcl file in it)")
	fs.Var(&c.vars, "var", "set an input variable: -var 'name=value' (repeatable)")
	fs.Var(&c.varFiles, "var-file", "read input variables from an HCL `FILE` of name = value lines (repeatable; orgsync.vars in the configuration directory is read before)")
}

// input is the spec.Input the flags describe, with ORGSYNC_VAR_* variables
// taken from the process environment.
func (c *configFlags) input(e *env) spec.Input {
	return spec.Input{Dir: c.dir, Vars: c.vars, VarFiles: c.varFiles, Getenv: e.getenv}
}

// load loads the configuration and prints its diagnostics (warnings too) to
// stderr. ok is false when there are errors.
func (c *configFlags) load(e *env) (*spec.Result, bool) {
	res, diags := spec.Load(c.input(e))
	if len(diags) > 0 {
		_ = spec.WriteDiagnostics(e.s.Err, res.Files, diags, stderrColor(e))
	}
	return res, !diags.HasErrors()
}

// stderrColor reports whether diagnostics on stderr may use color.
func stderrColor(e *env) bool {
	return e.s.ErrTTY && (e.getenv == nil || e.getenv("NO_COLOR") == "")
}
