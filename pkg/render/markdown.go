package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/diff"
)

// DefaultMarkdownMaxBytes is the size a Markdown plan stays under by default,
// below GitHub's 65,536-character limit for a comment with room to spare.
const DefaultMarkdownMaxBytes = 60000

// MarkdownOptions steer Markdown.
type MarkdownOptions struct {
	// Title, when set, prefixes the summary line (e.g. the environment name),
	// so that comments of several configurations can be told apart.
	Title string
	// MaxBytes is the largest comment to write; 0 means DefaultMarkdownMaxBytes.
	MaxBytes int
}

// Markdown writes the plan as a pull-request comment: a summary line first,
// a warning listing what would be destroyed, the token impact as a table,
// and the text rendering in a collapsible diff block. When that is longer
// than opts.MaxBytes the diff is replaced by counts per kind and action and
// as many addresses as fit, and the comment says how to see the whole plan.
// Lists are only ever cut between whole lines, and fences and <details> tags
// always stay balanced.
func Markdown(w io.Writer, p *diff.Plan, opts MarkdownOptions) error {
	p = redact(p)
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMarkdownMaxBytes
	}
	doc := markdownFull(p, opts.Title)
	if len(doc) > limit {
		doc = markdownSummarised(p, opts.Title, limit, len(doc))
	}
	doc = strings.TrimRight(doc, "\n") + "\n"
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("writing the Markdown plan: %w", err)
	}
	return nil
}

// mdCaps bounds the lists of a summarised comment; -1 means no bound.
type mdCaps struct{ warnings, deletes, impacts int }

func markdownFull(p *diff.Plan, title string) string {
	var b strings.Builder
	writeMDHead(&b, p, title, mdCaps{-1, -1, -1})
	if p.HasChanges() {
		body := diffFenceBody(p)
		fmt.Fprintf(&b, "<details><summary>Show %s</summary>\n\n", plural(len(p.Changes), "change"))
		writeFence(&b, "diff", body)
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// markdownSummarised replaces the diff by a per-kind summary and the first
// addresses that fit in limit. Lists shrink step by step until the comment
// fits; the summary line and the truncation note are always kept.
func markdownSummarised(p *diff.Plan, title string, limit, fullSize int) string {
	var doc string
	for _, caps := range []mdCaps{{20, 50, 50}, {10, 20, 20}, {3, 5, 5}, {0, 0, 0}} {
		var b strings.Builder
		writeMDHead(&b, p, title, caps)
		fmt.Fprintf(&b, "> [!NOTE]\n> The full plan (%s bytes) is too long for a pull-request comment, so it was summarised. "+
			"Run `orgsync plan` to see every change, or read the JSON plan (`orgsync plan -format json`, e.g. saved as a CI artifact).\n\n",
			strconv.Itoa(fullSize))
		writeKindTable(&b, p)
		doc = b.String()
		if rest := limit - len(doc); rest > 0 {
			doc += addressList(p, rest)
			return doc
		}
	}
	return doc
}

// writeDriftMD writes the changes made outside orgsync, at most limit
// objects (all when limit is negative).
func writeDriftMD(b *strings.Builder, p *diff.Plan, limit int) {
	if len(p.Drift) == 0 {
		return
	}
	fmt.Fprintf(b, "> [!CAUTION]\n> **Changes outside orgsync** %s: %s.\n", mdEscape(lastApplyLine(p.LastApply)), plural(len(p.Drift), "object"))
	n := capped(len(p.Drift), limit)
	for _, d := range p.Drift[:n] {
		line := "> - " + mdCode(d.Address) + " " + driftVerb(d)
		if !d.Planned {
			line += " (the configuration already says so)"
		}
		b.WriteString(line + "\n")
		for _, a := range d.Attributes {
			fmt.Fprintf(b, ">   - %s: %s → %s\n", mdEscape(a.Name), mdCode(driftValue(a.Applied, a.Pending)), mdCode(driftValue(a.Live, false)))
		}
	}
	if more := len(p.Drift) - n; more > 0 {
		fmt.Fprintf(b, "> - … and %d more\n", more)
	}
	b.WriteString("\n")
}

// writeMDHead writes everything above the changes: summary line, warnings,
// deletion warning, unmanaged line and token impact.
func writeMDHead(b *strings.Builder, p *diff.Plan, title string, caps mdCaps) {
	prefix := ""
	if title != "" {
		prefix = "**" + mdEscape(title) + "** · "
	}
	if p.HasChanges() {
		fmt.Fprintf(b, "%s**Plan:** %s\n\n", prefix, summaryCounts(p))
	} else {
		if len(p.Targets) > 0 {
			fmt.Fprintf(b, "%s**No changes** in the targeted objects; the rest was not planned.\n\n", prefix)
		} else {
			fmt.Fprintf(b, "%s**No changes.** The tenant matches the configuration.\n\n", prefix)
		}
	}
	if len(p.Warnings) > 0 {
		b.WriteString("> [!IMPORTANT]\n")
		n := capped(len(p.Warnings), caps.warnings)
		for _, warn := range p.Warnings[:n] {
			b.WriteString("> - " + mdEscape(warn) + "\n")
		}
		if more := len(p.Warnings) - n; more > 0 {
			fmt.Fprintf(b, "> - … and %d more\n", more)
		}
		b.WriteString("\n")
	}
	writeDriftMD(b, p, caps.deletes)
	var deleted []string
	for _, c := range p.Changes {
		if c.Action == diff.Delete {
			deleted = append(deleted, c.Address)
		}
	}
	if len(deleted) > 0 {
		fmt.Fprintf(b, "> [!WARNING]\n> This plan destroys %s:\n", plural(len(deleted), "object"))
		n := capped(len(deleted), caps.deletes)
		for _, addr := range deleted[:n] {
			b.WriteString("> - " + mdCode(addr) + "\n")
		}
		if more := len(deleted) - n; more > 0 {
			fmt.Fprintf(b, "> - … and %d more\n", more)
		}
		b.WriteString("\n")
	}
	if line := unmanagedLine(p.Unmanaged); line != "" {
		b.WriteString("_" + mdEscape(line) + "_\n\n")
	}
	if g := p.ImpactGap; g != nil {
		b.WriteString("> [!WARNING]\n> **Token impact incomplete:** " + mdEscape(gapLine(g)) + "\n\n")
	}
	writeImpactTable(b, p.TokenImpact, caps.impacts)
	writeEffectsMD(b, p.Effects, caps.warnings)
}

// writeImpactTable writes the token impact as a table and what each kind
// means, most disruptive kind first.
func writeImpactTable(b *strings.Builder, impacts []diff.Impact, limit int) {
	if len(impacts) == 0 {
		return
	}
	kinds, groups := impactGroups(impacts)
	defer func() {
		for _, kind := range kinds {
			fmt.Fprintf(b, "- **%s**: %s.\n", mdEscape(kind), mdEscape(impactMeaning(kind, maxLag(groups[kind]))))
		}
		b.WriteString("\n")
	}()
	if limit == 0 {
		fmt.Fprintf(b, "**Token impact:** %s (see the JSON plan).\n\n", pluralWord(len(impacts), "1 entry", strconv.Itoa(len(impacts))+" entries"))
		return
	}
	b.WriteString("**Token impact**\n\n")
	b.WriteString("| kind | permission | resource | role | organizations | users | apps | who |\n")
	b.WriteString("| --- | --- | --- | --- | --- | ---: | ---: | --- |\n")
	rows := 0
	for _, kind := range kinds {
		for _, im := range groups[kind] {
			if limit >= 0 && rows >= limit {
				continue
			}
			rows++
			resource := ""
			if im.Resource != nil {
				resource = mdCode(*im.Resource)
			}
			role := ""
			if im.Role != "" {
				role = mdEscape(im.Role)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d | %d | %s |\n",
				cell(mdEscape(im.Kind)), cell(mdCode(im.Permission)), cell(resource), cell(role),
				cell(mdEscape(listNames(im.Organizations, 3))), userCount(im), appCount(im),
				cell(mdEscape(subjectNames(im, 3))))
		}
	}
	if more := len(impacts) - rows; more > 0 {
		fmt.Fprintf(b, "\n… and %d more token-impact %s (see the JSON plan).\n", more, pluralWord(more, "entry", "entries"))
	}
	b.WriteString("\n")
}

// writeKindTable counts changes by kind and action, kinds in order of first
// appearance in the plan.
func writeKindTable(b *strings.Builder, p *diff.Plan) {
	if !p.HasChanges() {
		return
	}
	actions := []diff.Action{diff.Create, diff.Update, diff.Rename, diff.Delete}
	var kinds []string
	counts := map[string]map[diff.Action]int{}
	for _, c := range p.Changes {
		if counts[c.Kind] == nil {
			counts[c.Kind] = map[diff.Action]int{}
			kinds = append(kinds, c.Kind)
		}
		counts[c.Kind][c.Action]++
	}
	b.WriteString("| kind | create | update | rename | destroy |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, k := range kinds {
		name := k
		if name == "" {
			name = "(other)"
		}
		fmt.Fprintf(b, "| %s |", cell(mdEscape(name)))
		for _, a := range actions {
			fmt.Fprintf(b, " %d |", counts[k][a])
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// addressList lists "symbol address" lines of the first changes that fit in
// budget bytes, inside a collapsible diff block; "" when none fits.
func addressList(p *diff.Plan, budget int) string {
	lines := make([]string, 0, len(p.Changes))
	for _, c := range p.Changes {
		sym := c.Action.Symbol()
		if sym == "~" || sym == ">" {
			sym = "!"
		}
		line := sym + " " + c.Address
		if c.Action == diff.Rename && c.PreviousName() != "" {
			line += " (renamed from " + strconv.Quote(c.PreviousName()) + ")"
		}
		lines = append(lines, line)
	}
	fence := fenceFor(strings.Join(lines, "\n"))
	wrap := func(n int) string {
		var b strings.Builder
		what := plural(len(lines), "change")
		if n < len(lines) {
			what = fmt.Sprintf("the first %d of %s", n, what)
		}
		fmt.Fprintf(&b, "<details><summary>Show %s</summary>\n\n%sdiff\n", what, fence)
		for _, l := range lines[:n] {
			b.WriteString(l + "\n")
		}
		fmt.Fprintf(&b, "%s\n\n</details>\n", fence)
		return b.String()
	}
	// The wrapper's size only depends on n through its digits: grow n while
	// the whole block fits.
	n, size := 0, len(wrap(len(lines)))-sumLen(lines)
	for n < len(lines) && size+len(lines[n])+1+2*len(strconv.Itoa(len(lines))) <= budget {
		size += len(lines[n]) + 1
		n++
	}
	for n > 0 && len(wrap(n)) > budget {
		n--
	}
	if n == 0 {
		return ""
	}
	return wrap(n)
}

func sumLen(lines []string) int {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	return n
}

// diffFenceBody is the text rendering of the changes with the symbols moved
// to the first column, as GitHub's diff highlighting expects: + and - stay,
// ~ (update) and > (rename) become !.
func diffFenceBody(p *diff.Plan) string {
	var b strings.Builder
	writeChanges(&b, p, Style{})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, " "))
		if n == 0 || n+1 >= len(l) || l[n+1] != ' ' {
			continue
		}
		sym := l[n]
		switch sym {
		case '~', '>':
			sym = '!'
		case '+', '-':
		default:
			continue
		}
		lines[i] = string(sym) + l[1:n] + " " + l[n+1:]
	}
	return strings.Join(lines, "\n") + "\n"
}

// writeFence writes body (ending in a newline) in a fenced code block whose
// fence is longer than any backtick run inside it, so it cannot be closed early.
func writeFence(b *strings.Builder, lang, body string) {
	fence := fenceFor(body)
	b.WriteString(fence + lang + "\n")
	b.WriteString(body)
	b.WriteString(fence + "\n")
}

func fenceFor(body string) string {
	return strings.Repeat("`", max(3, longestRun(body, '`')+1))
}

func longestRun(s string, ch byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == ch {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// mdEscape escapes Markdown punctuation so that names show as written, and
// joins lines.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '!', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode is s as an inline code span, with a delimiter longer than any
// backtick run in s.
func mdCode(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	n := longestRun(s, '`')
	if n == 0 {
		return "`" + s + "`"
	}
	d := strings.Repeat("`", n+1)
	return d + " " + s + " " + d
}

// cell makes text safe inside a table cell (pipes would end the cell, even
// inside code spans).
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, `\|`, `|`), "|", `\|`)
}

func capped(n, limit int) int {
	if limit < 0 || n < limit {
		return n
	}
	return limit
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
