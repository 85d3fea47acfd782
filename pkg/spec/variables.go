package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvPrefix is the prefix of environment variables that set input
// variables: ORGSYNC_VAR_support_staff sets var.support_staff.
const EnvPrefix = "ORGSYNC_VAR_"

// variableDecl is a declared input variable.
type variableDecl struct {
	Name        string
	DefRange    hcl.Range
	Type        cty.Type
	Defaults    *typeexpr.Defaults
	Default     cty.Value // cty.NilVal when there is no default
	Description string
	// Sensitive variables are accepted like any other; orgsync never prints
	// variable values, so the flag is informational.
	Sensitive bool
	// literal: command-line and environment values are taken as strings
	// (type string or unconstrained) rather than parsed as HCL.
	literal bool
}

// assigned is a value given for a variable from outside the configuration.
type assigned struct {
	Value cty.Value
	Range hcl.Range
}

// loadVariables declares the variable blocks and resolves their values:
// default < ORGSYNC_VAR_name < -var-file (in order) < -var (in order).
func (l *loader) loadVariables(blocks []*namedBlock) {
	l.varDecls = map[string]*variableDecl{}
	l.vars = map[string]cty.Value{}
	for _, b := range blocks {
		if !hclsyntax.ValidIdentifier(b.Name) {
			l.errorf(b.LabelRange, "Invalid variable name",
				"%q is not a valid variable name: use letters, digits, underscores and dashes, starting with a letter.", b.Name)
			continue
		}
		if prev, dup := l.varDecls[b.Name]; dup {
			l.errorf(b.LabelRange, "Duplicate variable declaration",
				"A variable named %q was already declared at %s. Variable names must be unique across all files.",
				b.Name, Pos(prev.DefRange))
			continue
		}
		d := l.declareVariable(b)
		l.varDecls[b.Name] = d
	}

	given := map[string]assigned{}
	if l.in.Getenv != nil {
		for _, name := range mapKeys(l.varDecls) {
			raw := l.in.Getenv(EnvPrefix + name)
			if raw == "" {
				continue
			}
			l.read.Env[EnvPrefix+name] = raw
			if v, rng, ok := l.parseRaw(l.varDecls[name], raw); ok {
				given[name] = assigned{v, rng}
			}
		}
	}
	for _, path := range l.in.VarFiles {
		l.loadVarFile(path, given)
	}
	for _, raw := range l.in.Vars {
		l.loadVarFlag(raw, given)
	}

	for _, name := range mapKeys(l.varDecls) {
		d := l.varDecls[name]
		a, ok := given[name]
		switch {
		case ok:
			l.vars[name] = l.convertVar(d, a.Value, a.Range)
		case d.Default != cty.NilVal:
			l.vars[name] = d.Default
		default:
			l.errorf(d.DefRange, "No value for required variable",
				"The variable %q has no default and no value was given. Set it with -var \"%s=...\", a -var-file, or the environment variable %s%s, or give it a default.",
				name, name, EnvPrefix, name)
			l.vars[name] = cty.DynamicVal
		}
	}
}

func (l *loader) declareVariable(b *namedBlock) *variableDecl {
	d := &variableDecl{Name: b.Name, DefRange: b.DefRange, Type: cty.DynamicPseudoType, Default: cty.NilVal, literal: true}
	var c variableContent
	l.diags = append(l.diags, gohcl.DecodeBody(b.Body, nil, &c)...)
	if c.TypeRange.Filename != "" {
		ty, defaults, tdiags := typeexpr.TypeConstraintWithDefaults(c.Type)
		l.diags = append(l.diags, tdiags...)
		if !tdiags.HasErrors() {
			d.Type, d.Defaults = ty, defaults
			d.literal = ty == cty.String || ty == cty.DynamicPseudoType
		}
	}
	if s, set := l.evalString(c.Description, nil, "description"); set {
		d.Description = s
	}
	if s, set := l.evalBool(c.Sensitive, nil, "sensitive"); set {
		d.Sensitive = s
	}
	if c.DefaultRange.Filename != "" {
		v, vdiags := c.Default.Value(nil)
		l.diags = append(l.diags, vdiags...)
		if !vdiags.HasErrors() {
			d.Default = l.convertVar(d, v, c.Default.Range())
		}
	}
	return d
}

// convertVar applies the type constraint (and its optional() defaults) to v.
func (l *loader) convertVar(d *variableDecl, v cty.Value, rng hcl.Range) cty.Value {
	if d.Defaults != nil && !v.IsNull() {
		v = d.Defaults.Apply(v)
	}
	c, err := convert.Convert(v, d.Type)
	if err != nil {
		l.errorf(rng, "Invalid value for variable",
			"The value given for var.%s does not match its type %s: %s.",
			d.Name, typeexpr.TypeString(d.Type), err)
		return cty.UnknownVal(d.Type)
	}
	return c
}

// parseRaw turns a command-line or environment value into a cty value:
// taken literally for string and unconstrained variables, parsed as an HCL
// expression otherwise (as Terraform does).
func (l *loader) parseRaw(d *variableDecl, raw string) (cty.Value, hcl.Range, bool) {
	filename := fmt.Sprintf("<value for var.%s>", d.Name)
	l.files[filename] = &hcl.File{Bytes: []byte(raw)}
	if d.literal {
		end := hcl.Pos{Line: 1, Column: 1 + len([]rune(raw)), Byte: len(raw)}
		if i := strings.IndexByte(raw, '\n'); i >= 0 {
			end = hcl.Pos{Line: 1, Column: 1 + len([]rune(raw[:i])), Byte: i}
		}
		return cty.StringVal(raw), hcl.Range{Filename: filename, Start: hcl.InitialPos, End: end}, true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), filename, hcl.InitialPos)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Range{}, false
	}
	v, diags := expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, hcl.Range{}, false
	}
	return v, expr.Range(), true
}

func (l *loader) loadVarFile(path string, given map[string]assigned) {
	src, err := l.readFile(path, &l.read.VarFiles)
	if err != nil {
		l.errorf(hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}, "Cannot read variables file",
			"%s. Check the -var-file path.", err)
		return
	}
	f, diags := l.parser.ParseHCL(src, path)
	l.diags = append(l.diags, diags...)
	if f == nil || diags.HasErrors() {
		return
	}
	l.files[path] = f
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
	for _, a := range list {
		if _, ok := l.varDecls[a.Name]; !ok {
			l.errorf(a.NameRange, "Value for undeclared variable",
				"The file %s sets %q, but no variable %q is declared.%s Declare it with a variable block, or remove the assignment.",
				path, a.Name, a.Name, didYouMean(a.Name, mapKeys(l.varDecls)))
			continue
		}
		v, vdiags := a.Expr.Value(nil)
		l.diags = append(l.diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		given[a.Name] = assigned{v, a.Expr.Range()}
	}
}

func (l *loader) loadVarFlag(raw string, given map[string]assigned) {
	const filename = "<command line>"
	rng := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	name, value, ok := strings.Cut(raw, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		l.errorf(rng, "Invalid -var option",
			"The option -var %q is not a variable name and a value separated by an equals sign, like -var \"name=value\".", raw)
		return
	}
	d, declared := l.varDecls[name]
	if !declared {
		l.errorf(rng, "Value for undeclared variable",
			"The option -var %q sets a variable named %q, but none is declared.%s Declare it with a variable %q {} block, or remove the option.",
			raw, name, didYouMean(name, mapKeys(l.varDecls)), name)
		return
	}
	if v, vrng, ok := l.parseRaw(d, value); ok {
		given[name] = assigned{v, vrng}
	}
}
