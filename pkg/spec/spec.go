// Package spec reads an orgsync configuration: every *.hcl file of a
// directory, merged. It decodes the blocks, evaluates variables, locals,
// for_each and dynamic blocks, checks every reference and rule, and returns
// the desired state as a *state.Config, or HCL diagnostics that point at the
// exact source range of each problem.
//
// Numbers inside custom_data are decoded the way encoding/json decodes them
// into an interface value: as float64. A CustomData map therefore compares
// equal to the same object read back from Logto with json.Unmarshal, and it
// round-trips through encoding/json unchanged.
//
// Empty lists and maps in the result are nil, except Organization.CustomData,
// where nil means "not managed" and an empty map means "replace with {}".
package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/orgsync/orgsync/pkg/state"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Input says where a configuration comes from.
type Input struct {
	// Dir is the configuration directory: every *.hcl file in it (not
	// recursive) is read and merged.
	Dir string
	// Vars are raw -var "name=value" flags, in command-line order.
	Vars []string
	// VarFiles are -var-file paths (HCL syntax: name = value), in order.
	// The file orgsync.vars in Dir (AutoVarsFile), when it exists, is read
	// before them.
	VarFiles []string
	// Getenv looks up ORGSYNC_VAR_<name> environment variables; nil means
	// no environment variables. An empty value counts as unset.
	Getenv func(string) string
	// Sources, when set, is a snapshot of an earlier Load (Result.Sources):
	// the configuration is read from it instead of Dir, VarFiles, Vars and
	// Getenv, so that the same configuration and values are planned again.
	Sources *Sources
}

// Sources are exactly the inputs one Load read: the bytes of every file and
// the values of the -var options and ORGSYNC_VAR_ variables. Loading them
// again gives the same configuration, whatever changed on disk since.
type Sources struct {
	// Dir is the configuration directory as given.
	Dir string `json:"dir"`
	// Files are the configuration files, by path, in the order read.
	Files []SourceFile `json:"files"`
	// VarFiles are the -var-file files, in command-line order.
	VarFiles []SourceFile `json:"var_files"`
	// Included are the files read by file() calls, in the order read.
	Included []SourceFile `json:"included,omitempty"`
	// Vars are the raw -var options, in command-line order.
	Vars []string `json:"vars"`
	// Env holds the ORGSYNC_VAR_ environment variables that were set.
	Env map[string]string `json:"env"`
}

// SourceFile is one file read by Load.
type SourceFile struct {
	Name    string `json:"name"`
	Content []byte `json:"content"`
}

// Result is a loaded configuration.
type Result struct {
	// Config is the desired state; nil when the diagnostics have errors.
	Config *state.Config
	// Files holds every parsed file (configuration, variable files and
	// command-line values) by name, for diagnostic snippets: its Bytes, and
	// a Nav that names the block around a position. The syntax trees are
	// not kept (Body is nil): a configuration's tree takes many times the
	// memory of its source, and a diagnostic that asks for the block
	// around a position has the file parsed again.
	Files map[string]*hcl.File
	// Sources are the inputs read, for loading the same configuration again.
	Sources Sources
}

// Load reads, evaluates and validates the configuration described by in.
// Every problem found is reported at once; Config is nil when the
// diagnostics contain errors.
func Load(in Input) (*Result, hcl.Diagnostics) {
	l := &loader{
		in:     in,
		parser: hclparse.NewParser(),
		files:  map[string]*hcl.File{},
		funcs:  functions(),
	}
	l.funcs["file"] = l.fileFunc()
	if in.Sources != nil {
		l.in = Input{Dir: in.Sources.Dir, Vars: in.Sources.Vars, Sources: in.Sources,
			Getenv: func(k string) string { return in.Sources.Env[k] }}
		for _, f := range in.Sources.VarFiles {
			l.in.VarFiles = append(l.in.VarFiles, f.Name)
		}
	}
	l.read.Dir, l.read.Vars = l.in.Dir, append([]string(nil), l.in.Vars...)
	l.read.Env = map[string]string{}
	cfg := l.load()
	diags := normalizeDiags(l.diags)
	res := &Result{Files: withoutSyntaxTrees(l.files), Sources: l.read}
	if !diags.HasErrors() {
		res.Config = cfg
	}
	return res, diags
}

// withoutSyntaxTrees returns files with only what diagnostics read of them.
func withoutSyntaxTrees(files map[string]*hcl.File) map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(files))
	for name, f := range files {
		out[name] = withoutSyntaxTree(name, f)
	}
	return out
}

// withoutSyntaxTree returns the Bytes of f, and a Nav that parses them
// again when it is asked for the block around a position.
func withoutSyntaxTree(name string, f *hcl.File) *hcl.File {
	if f.Body == nil {
		return f
	}
	kept := &hcl.File{Bytes: f.Bytes}
	if f.Nav != nil {
		kept.Nav = &reparsedNav{src: f.Bytes, filename: name}
	}
	return kept
}

// reparsedNav is the navigation of a native syntax file whose syntax tree
// was dropped: the file is parsed again on first use.
type reparsedNav struct {
	src      []byte
	filename string
	once     sync.Once
	nav      any
}

// ContextString describes the block that encloses the byte offset, as the
// navigation of the parsed file does.
func (n *reparsedNav) ContextString(offset int) string {
	n.once.Do(func() {
		if f, _ := hclsyntax.ParseConfig(n.src, n.filename, hcl.InitialPos); f != nil {
			n.nav = f.Nav
		}
	})
	if cs, ok := n.nav.(interface{ ContextString(int) string }); ok {
		return cs.ContextString(offset)
	}
	return ""
}

// Pos formats the start of r as "file:line:col".
func Pos(r hcl.Range) string {
	return r.Filename + ":" + strconv.Itoa(r.Start.Line) + ":" + strconv.Itoa(r.Start.Column)
}

// loader holds the state of one Load call.
type loader struct {
	in     Input
	read   Sources // what was read, for Result.Sources
	parser *hclparse.Parser
	files  map[string]*hcl.File
	diags  hcl.Diagnostics
	funcs  map[string]function.Function

	varDecls   map[string]*variableDecl
	vars       map[string]cty.Value
	localDecls map[string]*hcl.Attribute
	locals     map[string]cty.Value
	ctx        *hcl.EvalContext

	permissions map[string]*permissionDecl
	roles       map[string]*roleDecl

	included map[string]string // files read by file(), by name

	roleSets map[string][]string // interned role lists (internRoles)
}

// declared is one top-level block together with the file that holds it.
type parsed struct {
	orgsync       []*labelOnly
	variables     []*namedBlock
	locals        []*labelOnly
	permissions   []*namedBlock
	roles         []*namedBlock
	organizations []orgSource // in file order
}

// orgSource is where organization blocks come from: blocks already parsed,
// or a file in the literal subset whose organization blocks are read
// again, only when they are decoded (organizationsOf). A large
// configuration is mostly organization blocks, and their syntax trees take
// many times the memory of their source: read this way, the trees of one
// file at a time are in memory, not those of the whole configuration.
type orgSource struct {
	blocks []*namedBlock
	file   string // with src: parse again
	src    []byte
}

// organizationsOf returns the organization blocks of s.
func (l *loader) organizationsOf(s orgSource) []*namedBlock {
	if s.file == "" {
		return s.blocks
	}
	f, ok := parseLiteral(s.src, s.file)
	if !ok {
		panic("spec: a configuration file in the literal subset no longer parses as one: " + s.file)
	}
	var tl topLevel
	// What it says of the other blocks was reported already, and
	// normalizeDiags drops the repetition.
	l.diags = append(l.diags, gohcl.DecodeBody(f.Body, nil, &tl)...)
	return tl.Organizations
}

// maxQuoted is how many runes of a value a diagnostic quotes; a longer
// value (a name of 20 MB) is cut and marked with "…".
const maxQuoted = 200

func (l *loader) errorf(subject hcl.Range, summary, detail string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = shorten(s, maxQuoted)
		}
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  subject.Ptr(),
	})
}

func (l *loader) load() *state.Config {
	p, ok := l.parseDir()
	if !ok {
		return nil
	}
	l.loadVariables(p.variables)
	l.loadLocals(p.locals)
	l.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(l.vars),
			"local": cty.ObjectVal(l.locals),
		},
		Functions: l.funcs,
	}
	cfg := &state.Config{}
	cfg.Settings = l.loadSettings(p.orgsync)
	cfg.Permissions = l.loadPermissions(p.permissions)
	cfg.Roles = l.loadRoles(p.roles)
	cfg.Organizations = l.loadOrganizations(p.organizations)
	return cfg
}

// parseDir parses every *.hcl file in the directory and sorts the top-level
// blocks by kind. It reports false when nothing further can be checked.
func (l *loader) parseDir() (*parsed, bool) {
	dir := l.in.Dir
	if dir == "" {
		dir = "."
	}
	dirRange := hcl.Range{Filename: dir, Start: hcl.InitialPos, End: hcl.InitialPos}
	names, err := l.configFiles(dir)
	if err != nil {
		l.errorf(dirRange, "Cannot read configuration directory",
			"%s. Point -c at the directory that holds the configuration's *.hcl files.", err)
		return nil, false
	}
	if len(names) == 0 {
		l.errorf(dirRange, "No configuration files",
			"The directory %s holds no *.hcl files. Point -c at the configuration directory.", dir)
		return nil, false
	}
	p := &parsed{}
	syntaxOK := true
	for _, name := range names {
		src, err := l.readFile(name, &l.read.Files)
		if err != nil {
			l.errorf(hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}, "Cannot read configuration file", "%s.", err)
			syntaxOK = false
			continue
		}
		f, skipped, literal, diags := l.parseConfigFile(src, name)
		if f != nil {
			diags = explainLabelTemplates(diags, f.Bytes)
		}
		l.diags = append(l.diags, diags...)
		if f == nil {
			syntaxOK = false
			continue
		}
		l.files[name] = withoutSyntaxTree(name, f)
		if diags.HasErrors() {
			syntaxOK = false
			continue
		}
		var tl topLevel
		l.diags = append(l.diags, gohcl.DecodeBody(f.Body, nil, &tl)...)
		p.orgsync = append(p.orgsync, tl.Orgsync...)
		p.variables = append(p.variables, tl.Variables...)
		p.locals = append(p.locals, tl.Locals...)
		p.permissions = append(p.permissions, tl.Permissions...)
		p.roles = append(p.roles, tl.Roles...)
		switch {
		case literal && skipped > 0:
			p.organizations = append(p.organizations, orgSource{file: name, src: src})
		case len(tl.Organizations) > 0:
			p.organizations = append(p.organizations, orgSource{blocks: tl.Organizations})
		}
	}
	// After a syntax error the blocks of the broken file are unknown, so
	// references to them cannot be checked; unsupported top-level blocks
	// or arguments do not stop the rest of the checks.
	return p, syntaxOK
}

// parseConfigFile parses a configuration file: with parseLiteral when it is
// in the literal subset, with hclsyntax otherwise.
// A file in the literal subset is read without its organization blocks
// (skipped counts them): organizationsOf reads them when they are decoded.
func (l *loader) parseConfigFile(src []byte, name string) (f *hcl.File, skipped int, literal bool, diags hcl.Diagnostics) {
	if f, skipped, ok := parseLiteralSkipping(src, name, "organization"); ok {
		return f, skipped, true, nil
	}
	f, diags = l.parser.ParseHCL(src, name)
	return f, 0, false, diags
}

// configFiles lists the configuration files of dir (from the snapshot when
// loading Sources), sorted.
func (l *loader) configFiles(dir string) ([]string, error) {
	if l.in.Sources != nil {
		names := make([]string, 0, len(l.in.Sources.Files))
		for _, f := range l.in.Sources.Files {
			names = append(names, f.Name)
		}
		sort.Strings(names)
		return names, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".hcl") {
			continue
		}
		names = append(names, filepath.Join(l.in.Dir, e.Name()))
	}
	sort.Strings(names)
	return names, nil
}

// readFile reads a file (from the snapshot when loading Sources) and
// records its bytes in into.
func (l *loader) readFile(name string, into *[]SourceFile) ([]byte, error) {
	var src []byte
	if l.in.Sources != nil {
		found := false
		for _, list := range [][]SourceFile{l.in.Sources.Files, l.in.Sources.VarFiles, l.in.Sources.Included} {
			for _, f := range list {
				if f.Name == name {
					src, found = f.Content, true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("%s is not in the saved configuration", name)
		}
	} else {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			return nil, err
		}
	}
	*into = append(*into, SourceFile{Name: name, Content: src})
	return src, nil
}

// normalizeDiags drops repeated diagnostics (a for_each body is decoded once
// per instance) and orders the rest by file and position.
func normalizeDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		key := fmt.Sprintf("%d\x00%s\x00%s", d.Severity, d.Summary, d.Detail)
		if d.Subject != nil {
			key += "\x00" + d.Subject.String()
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
	return out
}
