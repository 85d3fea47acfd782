package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

// Text writes the plan for a terminal, Terraform-style: warnings, one block
// per change in plan order with attribute-level differences, the
// "Plan: N to add, N to change, N to destroy." line, what was left alone, and
// the token impact.
func Text(w io.Writer, p *diff.Plan, s Style) error {
	// Written as it is made: the text of a plan of thousands of
	// organizations is tens of megabytes.
	b := bufio.NewWriterSize(w, 64<<10)
	writeText(b, redact(p), s)
	if err := b.Flush(); err != nil {
		return fmt.Errorf("writing the text plan: %w", err)
	}
	return nil
}

// textWriter is where the text plan is written: a *bufio.Writer, or a
// *strings.Builder when it is embedded in another format. Errors are the
// writer's to keep (bufio.Writer reports the first on Flush).
type textWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

func writeText(b textWriter, p *diff.Plan, s Style) {
	for _, warn := range p.Warnings {
		fmt.Fprintf(b, "%s %s\n\n", s.Bold(s.Yellow("Warning:")), warn)
	}
	writeDriftText(b, p, s)
	if !p.HasChanges() {
		if len(p.Targets) > 0 {
			fmt.Fprintf(b, "%s The targeted objects match the configuration; the rest was not planned.\n", s.Bold(s.Green("No changes.")))
		} else {
			fmt.Fprintf(b, "%s The tenant matches the configuration.\n", s.Bold(s.Green("No changes.")))
		}
	} else {
		writeLegend(b, p, s)
		b.WriteString("orgsync will perform the following actions:\n\n")
		writeChanges(b, p, s)
		fmt.Fprintf(b, "%s %s.\n", s.Bold("Plan:"), summaryCounts(p))
	}
	if line := unmanagedLine(p.Unmanaged); line != "" {
		fmt.Fprintf(b, "\n%s\n", s.Dim(line))
	}
	writeImpactText(b, p.TokenImpact, p.ImpactGap, s)
	writeEffectsText(b, p.Effects, s)
}

// writeDriftText writes the "Changes outside orgsync" section: what moved
// in the tenant since orgsync applied it, before the plan that acts on it.
func writeDriftText(b textWriter, p *diff.Plan, s Style) {
	if len(p.Drift) == 0 {
		return
	}
	fmt.Fprintf(b, "%s %s:\n\n", s.Bold(s.Yellow("Changes outside orgsync")), lastApplyLine(p.LastApply))
	for _, d := range p.Drift {
		sym := map[string]string{diff.DriftUpdate: "~", diff.DriftDelete: "-", diff.DriftCreate: "+"}[d.Action]
		line := fmt.Sprintf("  %s %s %s", sym, s.Bold(d.Address), driftVerb(d))
		if !d.Planned {
			line += " (the configuration already says so; nothing to undo)"
		}
		b.WriteString(line + "\n")
		for _, a := range d.Attributes {
			fmt.Fprintf(b, "      %s: %s -> %s\n", a.Name, driftValue(a.Applied, a.Pending), driftValue(a.Live, false))
		}
	}
	fmt.Fprintf(b, "\n%s\n\n", s.Dim("orgsync undoes these changes where the plan below says so; to keep one, change the configuration to match, or add the attribute to lifecycle.ignore_changes."))
}

// writeLegend explains the symbols the plan uses, in a fixed order.
func writeLegend(b textWriter, p *diff.Plan, s Style) {
	used := map[diff.Action]bool{}
	for _, c := range p.Changes {
		used[c.Action] = true
	}
	b.WriteString("Actions are indicated with the following symbols:\n")
	for _, a := range []struct {
		action diff.Action
		what   string
	}{{diff.Create, "create"}, {diff.Update, "update in-place"}, {diff.Rename, "rename in-place"}, {diff.Delete, "destroy"}} {
		if used[a.action] {
			fmt.Fprintf(b, "  %s %s\n", s.symbol(a.action.Symbol()), a.what)
		}
	}
	b.WriteString("\n")
}

// writeChanges writes one block per change, each followed by a blank line.
func writeChanges(b textWriter, p *diff.Plan, s Style) {
	var body bytes.Buffer // one for all: a plan has a change per member
	for _, c := range p.Changes {
		writeChange(b, c, s, &body)
		b.WriteString("\n")
	}
}

// writeChange writes one change, its block's body made in body first.
func writeChange(b textWriter, c *diff.Change, s Style, body *bytes.Buffer) {
	fmt.Fprintf(b, "  # %s %s\n", s.Bold(c.Address), actionPhrase(c))
	if why := reasonPhrase(c); why != "" {
		fmt.Fprintf(b, "  # (%s)\n", why)
	}
	if why := classPhrase(c); why != "" {
		fmt.Fprintf(b, "  # (%s)\n", s.Yellow(why))
	}
	body.Reset()
	pr := &printer{b: body, s: s}
	before, after := c.Values()
	switch c.Action {
	case diff.Create:
		if after != nil {
			pr.values(6, "+", after, "")
		} else {
			pr.attrChanges(6, c)
		}
	case diff.Delete:
		if before != nil {
			pr.values(6, "-", before, " -> null")
		} else {
			pr.attrChanges(6, c)
		}
	default:
		pr.attrChanges(6, c)
		if hidden := hiddenAttrs(c.Attrs, before, after); hidden > 0 {
			pr.comment(6, fmt.Sprintf("# (%s hidden)", plural(hidden, "unchanged attribute")))
		}
	}
	b.WriteString("  ")
	b.WriteString(s.symbol(c.Action.Symbol()))
	b.WriteString(" ")
	b.WriteString(blockLabel(c.Address, c.Kind))
	if body.Len() == 0 {
		b.WriteString(" {}\n")
		return
	}
	b.WriteString(" {\n")
	_, _ = b.Write(body.Bytes())
	b.WriteString("    }\n")
}

// hiddenAttrs counts the attributes of an updated object (its changes
// attrs, its values before and after) that did not change.
func hiddenAttrs(attrs []diff.AttrChange, before, after map[string]any) int {
	changed := map[string]bool{}
	for _, a := range attrs {
		changed[a.Name] = true
	}
	all := map[string]bool{}
	for k := range before {
		all[k] = true
	}
	for k := range after {
		all[k] = true
	}
	n := 0
	for k := range all {
		if !changed[k] {
			n++
		}
	}
	return n
}

// printer writes attribute lines. An attribute line at indent i is i spaces,
// the symbol, a space and the text; nested elements sit at i+4, closing
// brackets and comments at i+2 (aligned with the attribute names).
type printer struct {
	b *bytes.Buffer
	s Style
}

func (p *printer) line(indent int, sym, text string) {
	p.b.WriteString(strings.Repeat(" ", indent))
	p.b.WriteString(p.s.symbol(sym))
	p.b.WriteString(" ")
	p.b.WriteString(text)
	p.b.WriteString("\n")
}

// comment writes a "# ..." line (or a closing bracket) aligned with names.
func (p *printer) comment(indent int, text string) {
	p.b.WriteString(strings.Repeat(" ", indent+2))
	if strings.HasPrefix(text, "#") {
		text = p.s.Dim(text)
	}
	p.b.WriteString(text)
	p.b.WriteString("\n")
}

// values writes every non-null attribute of obj with one symbol, sorted by name.
func (p *printer) values(indent int, sym string, obj map[string]any, suffix string) {
	keys := objectKeys(obj, true)
	pad := keyWidth(keys)
	for _, k := range keys {
		p.value(indent, sym, keyLabel(k, pad), normalize(obj[k]), suffix)
	}
}

// value writes "sym key = v" with v spread over lines when it is a non-empty
// object or list; every nested element carries sym too.
func (p *printer) value(indent int, sym, key string, v any, suffix string) {
	prefix := ""
	if key != "" {
		prefix = key + " = "
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			p.line(indent, sym, prefix+"{}"+suffix)
			return
		}
		p.line(indent, sym, prefix+"{")
		keys := objectKeys(v, false)
		pad := keyWidth(keys)
		for _, k := range keys {
			p.value(indent+4, sym, keyLabel(k, pad), v[k], "")
		}
		p.comment(indent, "}"+suffix)
	case []any:
		if len(v) == 0 {
			p.line(indent, sym, prefix+"[]"+suffix)
			return
		}
		p.line(indent, sym, prefix+"[")
		for _, item := range v {
			p.item(indent+4, sym, item)
		}
		p.comment(indent, "]"+suffix)
	default:
		p.line(indent, sym, prefix+inline(v)+suffix)
	}
}

// item writes one list element followed by a comma.
func (p *printer) item(indent int, sym string, v any) {
	switch v.(type) {
	case map[string]any, []any:
		p.value(indent, sym, "", v, ",")
	default:
		p.line(indent, sym, inline(v)+",")
	}
}

// attrChanges writes the planner's attribute differences of c.
func (p *printer) attrChanges(indent int, c *diff.Change) {
	names := make([]string, len(c.Attrs))
	for i, a := range c.Attrs {
		names[i] = a.Name
	}
	pad := keyWidth(names)
	for _, a := range c.Attrs {
		key := keyLabel(a.Name, pad)
		if a.Sensitive {
			sym := "~"
			switch {
			case a.Before == nil:
				sym = "+"
			case a.After == nil:
				sym = "-"
			}
			p.line(indent, sym, key+" = "+SensitiveText)
			continue
		}
		if a.Set || a.Added != nil || a.Removed != nil {
			p.setChange(indent, key, a)
			continue
		}
		before, hasBefore := decodeAttr(a.Before)
		after, hasAfter := decodeAttr(a.After)
		p.diffValue(indent, key, before, hasBefore, after, hasAfter)
	}
}

// setChange writes a set attribute: added and removed members interleaved in
// sorted order, then how many members did not change.
func (p *printer) setChange(indent int, key string, a diff.AttrChange) {
	type member struct{ sym, v string }
	ms := make([]member, 0, len(a.Added)+len(a.Removed))
	for _, v := range a.Added {
		ms = append(ms, member{"+", v})
	}
	for _, v := range a.Removed {
		ms = append(ms, member{"-", v})
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].v < ms[j].v })
	if len(ms) == 0 && a.Kept == 0 {
		p.line(indent, "~", key+" = []")
		return
	}
	p.line(indent, "~", key+" = [")
	for _, m := range ms {
		p.line(indent+4, m.sym, strconv.Quote(m.v)+",")
	}
	if a.Kept > 0 {
		p.comment(indent+4, fmt.Sprintf("# (%s hidden)", plural(a.Kept, "unchanged element")))
	}
	p.comment(indent, "]")
}

// diffValue writes the change of one value from before to after: objects
// key by key, lists element by element, scalars as "before -> after".
func (p *printer) diffValue(indent int, key string, before any, hasBefore bool, after any, hasAfter bool) {
	switch {
	case !hasBefore && !hasAfter:
		return
	case !hasBefore:
		p.value(indent, "+", key, after, "")
		return
	case !hasAfter:
		p.value(indent, "-", key, before, " -> null")
		return
	}
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		p.objectDiff(indent, key, bm, am)
		return
	}
	bl, bok := before.([]any)
	al, aok := after.([]any)
	if bok && aok {
		p.listDiff(indent, key, bl, al)
		return
	}
	p.line(indent, "~", key+" = "+inline(before)+" -> "+inline(after))
}

func (p *printer) objectDiff(indent int, key string, before, after map[string]any) {
	all := map[string]any{}
	for k, v := range before {
		all[k] = v
	}
	for k, v := range after {
		all[k] = v
	}
	keys := objectKeys(all, false)
	var changed []string
	for _, k := range keys {
		bv, inB := before[k]
		av, inA := after[k]
		if inB && inA && jsonEqual(bv, av) {
			continue
		}
		changed = append(changed, k)
	}
	hidden := len(keys) - len(changed)
	p.line(indent, "~", key+" = {")
	pad := keyWidth(changed)
	for _, k := range changed {
		bv, inB := before[k]
		av, inA := after[k]
		p.diffValue(indent+4, keyLabel(k, pad), bv, inB, av, inA)
	}
	if hidden > 0 {
		p.comment(indent+4, fmt.Sprintf("# (%s hidden)", plural(hidden, "unchanged attribute")))
	}
	p.comment(indent, "}")
}

// listDiff shows the elements of after that before lacks (+), then the
// elements of before that after lacks (-), and counts the rest.
func (p *printer) listDiff(indent int, key string, before, after []any) {
	kept := 0
	p.line(indent, "~", key+" = [")
	used := make([]bool, len(before))
	for _, av := range after {
		found := false
		for i, bv := range before {
			if !used[i] && jsonEqual(av, bv) {
				used[i], found = true, true
				break
			}
		}
		if found {
			kept++
			continue
		}
		p.item(indent+4, "+", av)
	}
	for i, bv := range before {
		if !used[i] {
			p.item(indent+4, "-", bv)
		}
	}
	if kept > 0 {
		p.comment(indent+4, fmt.Sprintf("# (%s hidden)", plural(kept, "unchanged element")))
	}
	p.comment(indent, "]")
}

// blockLabel is the block header of an address: role "admin",
// member "alice@acme.com", organization "customer" (for customer["acme"]), jit.
func blockLabel(address, kind string) string {
	segs := splitAddress(address)
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] != kind {
			continue
		}
		if i+1 >= len(segs) {
			return kind
		}
		label := segs[i+1]
		if j := strings.IndexByte(label, '['); j > 0 && !strings.HasPrefix(label, `"`) {
			label = label[:j]
		}
		if u, err := strconv.Unquote(label); err == nil {
			label = u
		}
		return kind + " " + strconv.Quote(label)
	}
	if kind == "" {
		return strconv.Quote(address)
	}
	return kind + " " + strconv.Quote(address)
}

// splitAddress splits an address at the dots outside quotes and brackets:
// organization.customer["a.b"].member."x@y.z" → organization, customer["a.b"], member, "x@y.z".
func splitAddress(address string) []string {
	var segs []string
	start, depth, quoted := 0, 0, false
	for i := 0; i < len(address); i++ {
		switch ch := address[i]; {
		case quoted && ch == '\\':
			i++
		case ch == '"':
			quoted = !quoted
		case quoted:
		case ch == '[':
			depth++
		case ch == ']':
			depth--
		case ch == '.' && depth == 0:
			segs = append(segs, address[start:i])
			start = i + 1
		}
	}
	return append(segs, address[start:])
}

// writeImpactText writes the "Token impact:" section, grouped by kind.
func writeImpactText(b textWriter, impacts []diff.Impact, gap *diff.ImpactGap, s Style) {
	if len(impacts) == 0 && gap == nil {
		return
	}
	b.WriteString("\n" + s.Bold("Token impact:") + "\n")
	if gap != nil {
		fmt.Fprintf(b, "\n  %s %s\n", s.Bold(s.Yellow("Incomplete:")), gapLine(gap))
	}
	kinds, groups := impactGroups(impacts)
	for _, kind := range kinds {
		g := groups[kind]
		title := impactTitle(kind)
		switch kind {
		case diff.ImpactReconsent, diff.ImpactRevocationLag:
			title = s.Yellow(title)
		case diff.ImpactRefresh:
			title = s.Green(title)
		}
		lag := maxLag(g)
		fmt.Fprintf(b, "\n  %s: %s.\n", s.Bold(title), impactMeaning(kind, lag))
		for _, im := range g {
			fmt.Fprintf(b, "    %s\n", impactSentence(im, lag))
		}
	}
}

// impactSentence is one impact entry in words:
// manage:billing via role "admin" in acme, globex and 997 more: 3 users and 1 application.
// A revocation lag shorter than the group's (groupLag) is given too.
func impactSentence(im diff.Impact, groupLag int) string {
	var b strings.Builder
	b.WriteString(im.Permission)
	if im.Resource != nil {
		fmt.Fprintf(&b, " (%s)", *im.Resource)
	}
	if im.Role != "" {
		fmt.Fprintf(&b, " via role %q", im.Role)
	}
	if len(im.Organizations) > 0 {
		b.WriteString(" in " + listNames(im.Organizations, 3))
	}
	b.WriteString(": " + subjects(im))
	if im.Kind == diff.ImpactRevocationLag && im.MaxLagSeconds > 0 && im.MaxLagSeconds != groupLag {
		fmt.Fprintf(&b, " (up to %s)", lagString(im.MaxLagSeconds))
	}
	return b.String()
}

// normalize turns a Go value into its generic JSON form (map[string]any,
// []any, string, json.Number, bool, nil) so that []string, ints and structs
// render like the values they encode to.
func normalize(v any) any {
	switch v := v.(type) {
	case nil, string, bool, json.Number, sensitiveValue:
		return v
	case []string:
		// Role lists, one per member of a large plan: what the JSON round
		// trip below gives, without it (strings that are not valid UTF-8
		// take it, as json.Marshal replaces their bad bytes).
		if v == nil {
			return nil
		}
		out := make([]any, len(v))
		for i, s := range v {
			if !utf8.ValidString(s) {
				return normalizeJSON(v)
			}
			out[i] = s
		}
		return out
	}
	return normalizeJSON(v)
}

// normalizeJSON is normalize through encoding/json.
func normalizeJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	out, ok := decodeJSON(raw)
	if !ok {
		return string(raw)
	}
	return out
}

// decodeAttr decodes an AttrChange value (a JSON encoding); a nil pointer is
// an absent value. Text that is not JSON is shown as a string.
func decodeAttr(s *string) (any, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := decodeJSON([]byte(*s))
	if !ok {
		return *s, true
	}
	return v, true
}

func decodeJSON(raw []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// inline formats a scalar (or, compactly, any value) on one line.
func inline(v any) string {
	switch v := v.(type) {
	case sensitiveValue:
		return SensitiveText
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return compactJSON(v)
}

func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func jsonEqual(a, b any) bool { return compactJSON(a) == compactJSON(b) }

// objectKeys returns the keys of m, sorted; skipNull leaves out null values.
func objectKeys(m map[string]any, skipNull bool) []string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if skipNull && v == nil {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keyDisplay is a key as written in the plan: quoted unless an identifier.
func keyDisplay(k string) string {
	if state.IsIdentifier(k) {
		return k
	}
	return strconv.Quote(k)
}

func keyWidth(keys []string) int {
	w := 0
	for _, k := range keys {
		w = max(w, utf8.RuneCountInString(keyDisplay(k)))
	}
	return w
}

// keyLabel is the displayed key padded to width so that "=" signs align.
func keyLabel(k string, width int) string {
	d := keyDisplay(k)
	return d + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(d)))
}
