package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

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
	res, err := loadConfig(e, c.input(e))
	return res, err == nil
}

// loadConfig loads a configuration and prints its diagnostics to stderr.
// With errors it returns a *configError (already reported) that carries
// them for machine-readable output.
func loadConfig(e *env, in spec.Input) (*spec.Result, error) {
	res, diags := spec.Load(in)
	if len(diags) > 0 {
		_ = spec.WriteDiagnostics(e.s.Err, res.Files, diags, stderrColor(e))
	}
	if diags.HasErrors() {
		return res, &configError{diags: diags, files: res.Files}
	}
	return res, nil
}

// configError is a configuration that does not load; its diagnostics were
// printed already.
type configError struct {
	diags hcl.Diagnostics
	files map[string]*hcl.File
}

func (e *configError) Error() string {
	return fmt.Sprintf("the configuration is invalid (%d error(s)): %s", len(e.diags.Errs()), e.diags.Errs()[0])
}

// stderrColor reports whether diagnostics on stderr may use color.
func stderrColor(e *env) bool {
	return e.s.ErrTTY && (e.getenv == nil || e.getenv("NO_COLOR") == "")
}
