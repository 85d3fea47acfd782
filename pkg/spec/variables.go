package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

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

// AutoVarsFile is the variables file read from the configuration directory
// when it exists, like Terraform's terraform.tfvars. Its name does not end
// in .hcl, so it is never read as configuration.
const AutoVarsFile = "orgsync.vars"

// variableDecl is a declared input variable.
type variableDecl struct {
	Name        string
	DefRange    hcl.Range
	Type        cty.Type
	Defaults    *typeexpr.Defaults
	Default     cty.Value // cty.NilVal when there is no default
	Description string
	// Sensitive variables' values, and every value derived from them, are
	// printed as (sensitive value) by plans; they may only be used in
	// description and custom_data.
	Sensitive bool
	// literal: command-line and environment values are taken as strings
	// (type string or unconstrained) rather than parsed as HCL.
	literal bool
}

// assigned is a value given for a variable from outside the configuration.
type assigned struct {
	Value cty.Value
	Range hcl.Range
	From  valueSource
}

// valueSource says where a variable's value came from, for diagnostics that
// show how to write it there.
type valueSource struct {
	kind string // "-var", "env", "file" or "default"
	file string // the variables file, for "file"
}

// where says where the value of variable name was given: "with -var".
func (src valueSource) where(name string) string {
	switch src.kind {
	case "env":
		return "in " + EnvPrefix + name
	case "file":
		return "in " + src.file
	case "default":
		return "as its default"
	}
	return "with -var"
}

// howToWrite shows value (HCL) given for variable name at src.
func (src valueSource) howToWrite(name, value string) string {
	switch src.kind {
	case "env":
		return fmt.Sprintf("Write it as an HCL expression: %s%s='%s'", EnvPrefix, name, value)
	case "file":
		return fmt.Sprintf("For example: %s = %s", name, value)
	case "default":
		return "For example: default = " + value
	}
	return fmt.Sprintf("Write it as an HCL expression: -var '%s=%s'", name, value)
}

// loadVariables declares the variable blocks and resolves their values:
// default < ORGSYNC_VAR_name < orgsync.vars in the configuration directory
// < -var-file (in order) < -var (in order).
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
			src := valueSource{kind: "env"}
			v, rng, _ := l.parseRaw(l.varDecls[name], raw, src)
			given[name] = assigned{v, rng, src}
		}
	}
	// A saved configuration (Sources) lists the automatic variables file
	// among its variables files, first, as it was read.
	auto := filepath.Join(l.in.Dir, AutoVarsFile)
	if _, err := os.Stat(auto); l.in.Sources == nil && !errors.Is(err, fs.ErrNotExist) {
		l.loadVarFile(auto, given)
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
		case ok && a.Value == cty.NilVal:
			l.vars[name] = cty.DynamicVal // the value was refused (reported)
		case ok:
			l.vars[name] = l.convertVar(d, a.Value, a.Range, a.From)
		case d.Default != cty.NilVal:
			l.vars[name] = d.Default
		default:
			l.errorf(d.DefRange, "No value for required variable",
				"The variable %q has no default and no value was given. Set it with -var \"%s=...\", a -var-file, or the environment variable %s%s, or give it a default.",
				name, name, EnvPrefix, name)
			l.vars[name] = cty.DynamicVal
		}
		if d.Sensitive && l.vars[name] != cty.DynamicVal {
			l.vars[name] = l.vars[name].Mark(sensitiveMark)
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
			d.Default = l.convertVar(d, v, c.Default.Range(), valueSource{kind: "default"})
		}
	}
	return d
}

// convertVar applies the type constraint (and its optional() defaults) to v.
// A value that does not convert is reported with the type expected, the
// kind of value given and how to write one that fits, where it was given.
func (l *loader) convertVar(d *variableDecl, v cty.Value, rng hcl.Range, src valueSource) cty.Value {
	if d.Defaults != nil && !v.IsNull() {
		v = d.Defaults.Apply(v)
	}
	c, err := convert.Convert(v, d.Type)
	if err != nil {
		hint := ""
		if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			hint = v.AsString()
		}
		detail := fmt.Sprintf("Variable %q expects %s; the value given %s is %s",
			d.Name, typeexpr.TypeString(d.Type), src.where(d.Name), describeValue(v))
		if why := err.Error(); !isPlainTypeMismatch(why) {
			detail += " (" + why + ")"
		}
		l.errorf(rng, "Invalid value for variable", "%s. %s",
			detail, src.howToWrite(d.Name, exampleValue(d.Type, hint)))
		return cty.UnknownVal(d.Type)
	}
	return c
}

// isPlainTypeMismatch reports whether a conversion error only repeats the
// types ("list of string required, but have string"), which the diagnostic
// already says.
func isPlainTypeMismatch(msg string) bool {
	return strings.HasSuffix(msg, " required") || strings.Contains(msg, " required, but have ")
}

// describeValue names the kind of a value in a person's words: "a string".
func describeValue(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case ty == cty.String:
		return "a string"
	case ty == cty.Number:
		return "a number"
	case ty == cty.Bool:
		return "a bool"
	case ty.IsListType(), ty.IsSetType(), ty.IsTupleType():
		return "a list"
	case ty.IsMapType(), ty.IsObjectType():
		return "an object"
	}
	return "a value of type " + ty.FriendlyName()
}

// exampleValue writes a value of type ty in HCL syntax, made from hint (the
// string that was given) where the type allows: list(string) and "a@x.com"
// give ["a@x.com"]; a comma-separated hint gives one element per item.
func exampleValue(ty cty.Type, hint string) string {
	hint = strings.TrimSpace(hint)
	if utf8.RuneCountInString(hint) > 60 || strings.ContainsAny(hint, "\"'\n${}") {
		hint = ""
	}
	switch {
	case ty == cty.String:
		if hint == "" {
			hint = "text"
		}
		return strconv.Quote(hint)
	case ty == cty.Number:
		if _, err := strconv.ParseFloat(hint, 64); err == nil {
			return hint
		}
		return "1"
	case ty == cty.Bool:
		if hint == "false" {
			return hint
		}
		return "true"
	case ty.IsListType(), ty.IsSetType():
		elem := ty.ElementType()
		var items []string
		if hint != "" && (elem == cty.String || elem == cty.Number || elem == cty.Bool) {
			for _, part := range strings.Split(hint, ",") {
				if part = strings.TrimSpace(part); part != "" {
					items = append(items, exampleValue(elem, part))
				}
			}
		}
		if len(items) == 0 {
			items = []string{exampleValue(elem, "")}
		}
		return "[" + strings.Join(items, ", ") + "]"
	case ty.IsMapType():
		return "{ key = " + exampleValue(ty.ElementType(), "") + " }"
	case ty.IsObjectType():
		names := mapKeys(ty.AttributeTypes())
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = n + " = " + exampleValue(ty.AttributeType(n), "")
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case ty.IsTupleType():
		var parts []string
		for _, et := range ty.TupleElementTypes() {
			parts = append(parts, exampleValue(et, ""))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if hint != "" {
		return strconv.Quote(hint)
	}
	return `"text"`
}

// parseRaw turns a command-line or environment value into a cty value:
// taken literally for string and unconstrained variables, parsed as an HCL
// expression otherwise (as Terraform does).
func (l *loader) parseRaw(d *variableDecl, raw string, src valueSource) (cty.Value, hcl.Range, bool) {
	filename := fmt.Sprintf("<value for var.%s>", d.Name)
	l.files[filename] = &hcl.File{Bytes: []byte(raw)}
	if d.literal {
		return cty.StringVal(raw), wholeValueRange(filename, raw), true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), filename, hcl.InitialPos)
	if !diags.HasErrors() {
		var v cty.Value
		if v, diags = expr.Value(nil); !diags.HasErrors() {
			return v, expr.Range(), true
		}
	}
	// The value is not an HCL expression: most often a list or a number
	// written the way a string is, -var staff=a@x.com.
	l.errorf(wholeValueRange(filename, raw), "Invalid value for variable",
		"Variable %q expects %s; the value given %s, %q, is not an HCL expression (only string variables take a value as it is). %s",
		d.Name, typeexpr.TypeString(d.Type), src.where(d.Name), raw, src.howToWrite(d.Name, exampleValue(d.Type, raw)))
	return cty.NilVal, hcl.Range{}, false
}

// wholeValueRange is the range of a command-line or environment value (its
// first line).
func wholeValueRange(filename, raw string) hcl.Range {
	end := hcl.Pos{Line: 1, Column: 1 + utf8.RuneCountInString(raw), Byte: len(raw)}
	if i := strings.IndexByte(raw, '\n'); i >= 0 {
		end = hcl.Pos{Line: 1, Column: 1 + utf8.RuneCountInString(raw[:i]), Byte: i}
	}
	return hcl.Range{Filename: filename, Start: hcl.InitialPos, End: end}
}

func (l *loader) loadVarFile(path string, given map[string]assigned) {
	src, err := l.readFile(path, &l.read.VarFiles)
	if err != nil {
		hint := "Check the -var-file path."
		if filepath.Base(path) == AutoVarsFile {
			hint = "orgsync reads " + AutoVarsFile + " from the configuration directory when it exists; make it a readable file or remove it."
		}
		l.errorf(hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}, "Cannot read variables file",
			"%s. %s", err, hint)
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
			given[a.Name] = assigned{From: valueSource{kind: "file", file: path}} // refused (reported)
			continue
		}
		given[a.Name] = assigned{v, a.Expr.Range(), valueSource{kind: "file", file: path}}
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
	src := valueSource{kind: "-var"}
	v, vrng, _ := l.parseRaw(d, value, src)
	given[name] = assigned{v, vrng, src}
}
