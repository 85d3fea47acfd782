package spec

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// blockLabelPrefix matches a source line up to a position inside a block
// label: the block type, the labels before, and the open quote.
var blockLabelPrefix = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*)(?:\s+"[^"]*")*\s+"[^"]*$`)

// explainLabelTemplates replaces HCL's diagnostic for a template sequence in
// a block label ("To include a literal "$", double it"), which misleads
// when the template was meant, with one that says labels are literal and
// shows what to write instead: a dynamic block for members and
// applications, for_each for organizations.
func explainLabelTemplates(diags hcl.Diagnostics, src []byte) hcl.Diagnostics {
	for i, d := range diags {
		if d.Subject == nil || d.Summary != "Invalid string literal" || !strings.HasPrefix(d.Detail, "Template sequences are not allowed") {
			continue
		}
		at := d.Subject.Start.Byte
		if at > len(src) {
			continue
		}
		lineStart := bytes.LastIndexByte(src[:at], '\n') + 1
		m := blockLabelPrefix.FindSubmatch(src[lineStart:at])
		if m == nil {
			continue
		}
		blockType := string(m[1])
		open := lineStart + bytes.LastIndexByte(src[lineStart:at], '"')
		label, rest := quotedTemplate(src, open)
		nd := *d
		if label != `"..."` {
			col := func(b int) int { return 1 + utf8.RuneCount(src[lineStart:b]) }
			end := open + len(label)
			nd.Subject = &hcl.Range{Filename: d.Subject.Filename,
				Start: hcl.Pos{Line: d.Subject.Start.Line, Column: col(open), Byte: open},
				End:   hcl.Pos{Line: d.Subject.Start.Line, Column: col(end), Byte: end}}
		}
		nd.Summary = "Expression in a block label"
		nd.Detail = labelTemplateDetail(blockType, shorten(label, maxQuoted), blockBody(rest))
		diags[i] = &nd
	}
	return diags
}

// quotedTemplate returns the quoted string starting at src[open] ('"'),
// quotes included, skipping quotes inside ${...}, and the rest of its line.
func quotedTemplate(src []byte, open int) (label string, rest []byte) {
	depth := 0
	for i := open + 1; i < len(src) && src[i] != '\n'; i++ {
		switch {
		case src[i] == '\\':
			i++
		case src[i] == '{' && i > 0 && (src[i-1] == '$' || src[i-1] == '%'):
			depth++
		case src[i] == '}' && depth > 0:
			depth--
		case src[i] == '"' && depth == 0:
			end := i + 1
			lineEnd := bytes.IndexByte(src[end:], '\n')
			if lineEnd < 0 {
				lineEnd = len(src) - end
			}
			return string(src[open:end]), src[end : end+lineEnd]
		}
	}
	return `"..."`, nil
}

// blockBody returns the body of a block written on one line ("{ roles =
// ["admin"] }" gives `roles = ["admin"]`), or "".
func blockBody(rest []byte) string {
	s := strings.TrimSpace(string(rest))
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return ""
	}
	return shorten(strings.TrimSpace(s[1:len(s)-1]), maxQuoted)
}

func labelTemplateDetail(blockType, label, body string) string {
	const literal = "Block labels are literal strings: they cannot hold ${...} or %{...} expressions."
	switch blockType {
	case "member", "application":
		if body == "" {
			body = "roles = [...]"
		}
		return fmt.Sprintf("%s To compute the label of a %s, write a dynamic block, whose labels are expressions:\n\n"+
			"  dynamic %q {\n"+
			"    for_each = [%s]\n"+
			"    labels   = [%s.value]\n"+
			"    content { %s }\n"+
			"  }\n\n"+
			"(To put a literal \"${\" in a label, write \"$${\".)",
			literal, blockType, blockType, label, blockType, body)
	case "organization":
		return literal + " To declare organizations from a list or a map, give one block a for_each and compute the name:\n\n" +
			"  organization \"customer\" {\n" +
			"    for_each = toset([" + label + "])\n" +
			"    name     = each.value\n" +
			"  }\n\n" +
			"(To put a literal \"${\" in a label, write \"$${\".)"
	}
	return literal + " Write the " + blockType + "'s name out in full. (To put a literal \"${\" in a label, write \"$${\".)"
}
