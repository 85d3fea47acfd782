package spec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiUnder  = "\x1b[4m"
)

// WriteDiagnostics writes diags for a person, Terraform style:
//
//	Error: Reference to undeclared permission
//
//	  on roles.hcl:4:19, in role "admin":
//	   4:   permissions = ["invite:membr"]
//	                       ^^^^^^^^^^^^^^
//
//	Role "admin" refers to the permission "invite:membr", ... Did you mean "invite:member"?
//
// files supplies the source lines; color adds ANSI colors.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	bw := bufio.NewWriter(w)
	for i, d := range diags {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeDiagnostic(bw, files, d, color)
	}
	return bw.Flush()
}

func writeDiagnostic(w *bufio.Writer, files map[string]*hcl.File, d *hcl.Diagnostic, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	label, code := "Error", ansiBold+ansiRed
	if d.Severity == hcl.DiagWarning {
		label, code = "Warning", ansiBold+ansiYellow
	}
	fmt.Fprintf(w, "%s %s\n", paint(code, label+":"), paint(ansiBold, shorten(d.Summary, maxSummary)))
	if d.Subject != nil {
		s := snippetOf(files, d)
		in := ""
		if s != nil && s.Context != "" {
			in = ", in " + s.Context
		}
		fmt.Fprintf(w, "\n  on %s%s:\n", Pos(*d.Subject), in)
		if s != nil {
			lines := strings.Split(s.Code, "\n")
			width := len(fmt.Sprint(s.StartLine + len(lines) - 1))
			for i, line := range lines {
				n := s.StartLine + i
				if color && n >= d.Subject.Start.Line && n <= d.Subject.End.Line {
					from, to := 0, len(line)
					if n == d.Subject.Start.Line {
						from = clamp(s.lineStart, len(line))
					}
					if n == d.Subject.End.Line {
						to = clamp(s.lineEnd, len(line))
					}
					if to > from {
						line = line[:from] + ansiUnder + line[from:to] + ansiReset + line[to:]
					}
				}
				fmt.Fprintf(w, "  %*d: %s\n", width, n, line)
			}
			if last := s.StartLine + len(lines) - 1; last < s.endLine {
				fmt.Fprintf(w, "  %*s  … (the range goes on to line %d)\n", width, "", s.endLine)
			}
			// A caret line under a subject that fits on one line.
			if i := d.Subject.Start.Line - s.StartLine; d.Subject.Start.Line == d.Subject.End.Line && s.lineEnd > s.lineStart && i >= 0 && i < len(lines) {
				src := lines[i]
				pad := strings.Repeat(" ", len(fmt.Sprintf("  %*d: ", width, 0)))
				prefix := []rune(src[:clamp(s.lineStart, len(src))])
				for i, r := range prefix {
					if r != '\t' {
						prefix[i] = ' '
					}
				}
				carets := strings.Repeat("^", max(1, len([]rune(src[clamp(s.lineStart, len(src)):clamp(s.lineEnd, len(src))]))))
				fmt.Fprintf(w, "%s%s%s\n", pad, string(prefix), paint(ansiRed, carets))
			}
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", shorten(d.Detail, maxDetail))
	}
}

func clamp(i, n int) int {
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}

// snippet is the source around a diagnostic (the JSON shape of Terraform's
// validate -json output), plus the subject's byte offsets within its first
// and last lines for text rendering.
type snippet struct {
	Context              string `json:"context"`
	Code                 string `json:"code"`
	StartLine            int    `json:"start_line"`
	HighlightStartOffset int    `json:"highlight_start_offset"`
	HighlightEndOffset   int    `json:"highlight_end_offset"`

	lineStart, lineEnd int
	endLine            int // the line the subject ends on (not the next one after a final newline)
}

// Limits that keep a diagnostic readable, and its size bounded, whatever
// the source holds (a 20 MB string on one line, a value spanning thousands
// of lines).
const (
	// maxSnippetLine is how many bytes of a source line a snippet shows; a
	// longer line is cut around the subject and marked with "…".
	maxSnippetLine = 200
	// maxSnippetLines is how many lines a snippet shows.
	maxSnippetLines = 10
	// maxSummary and maxDetail bound a diagnostic's texts.
	maxSummary = 200
	maxDetail  = 2000
)

// snippetOf extracts the lines of the diagnostic's context (or subject)
// range from its file; nil when the source is not available. Long lines
// and long ranges are cut (see maxSnippetLine and maxSnippetLines); the
// highlight offsets are into the code as cut.
func snippetOf(files map[string]*hcl.File, d *hcl.Diagnostic) *snippet {
	if d.Subject == nil || files == nil {
		return nil
	}
	f := files[d.Subject.Filename]
	if f == nil || f.Bytes == nil {
		return nil
	}
	src := f.Bytes
	subj := *d.Subject
	if subj.Start.Byte > len(src) || subj.End.Byte > len(src) || subj.Start.Byte > subj.End.Byte {
		return nil
	}
	rng := subj
	if d.Context != nil && d.Context.Filename == rng.Filename {
		rng = hcl.RangeOver(rng, *d.Context)
	}
	if rng.Start.Byte > len(src) || rng.End.Byte > len(src) || rng.Start.Byte > rng.End.Byte {
		return nil
	}
	// Widen to whole lines.
	start := bytes.LastIndexByte(src[:rng.Start.Byte], '\n') + 1
	if bytes.Count(src[start:subj.Start.Byte], []byte{'\n'}) >= maxSnippetLines {
		// The context starts too far above the subject to be shown.
		start = bytes.LastIndexByte(src[:subj.Start.Byte], '\n') + 1
	}
	end := rng.End.Byte
	if end > start && end > 0 && src[end-1] == '\n' {
		end--
	}
	if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
		end += i
	} else {
		end = len(src)
	}
	// The lines holding the subject's start and end (an end just after a
	// newline belongs to the line it ends).
	subjStartLine := bytes.LastIndexByte(src[:subj.Start.Byte], '\n') + 1
	subjEnd, endLine := subj.End.Byte, subj.End.Line
	if subjEnd > subj.Start.Byte && src[subjEnd-1] == '\n' {
		subjEnd--
		endLine--
	}
	subjEndLine := bytes.LastIndexByte(src[:subjEnd], '\n') + 1

	s := &snippet{StartLine: lineOf(src, start), HighlightStartOffset: -1, HighlightEndOffset: -1, endLine: endLine}
	var code strings.Builder
	shown := 0
	for pos := start; pos <= end && shown < maxSnippetLines; shown++ {
		lineEnd := end
		if i := bytes.IndexByte(src[pos:end], '\n'); i >= 0 {
			lineEnd = pos + i
		}
		line := bytes.TrimRight(src[pos:lineEnd], "\r")
		// The window of the line shown: all of it, or maxSnippetLine bytes
		// starting a little before the subject.
		ws, we := 0, len(line)
		if len(line) > maxSnippetLine {
			anchor := 0
			if pos == subjStartLine {
				anchor = subj.Start.Byte - pos
			}
			ws = max(0, min(anchor-maxSnippetLine/4, len(line)-maxSnippetLine))
			we = ws + maxSnippetLine
			for ws > 0 && !utf8.RuneStart(line[ws]) {
				ws--
			}
			for we < len(line) && !utf8.RuneStart(line[we]) {
				we--
			}
		}
		if shown > 0 {
			code.WriteByte('\n')
		}
		lineOut := code.Len()
		prefix, suffix := "", ""
		if ws > 0 {
			prefix = "…"
		}
		if we < len(line) {
			suffix = "…"
		}
		// at maps a byte of the source line to its offset in the line shown.
		at := func(abs int) int {
			rel := abs - pos
			switch {
			case rel < ws:
				return 0
			case rel > we && we < len(line):
				return len(prefix) + (we - ws) + len(suffix)
			}
			return len(prefix) + rel - ws
		}
		code.WriteString(prefix)
		code.Write(line[ws:we])
		code.WriteString(suffix)
		if pos == subjStartLine {
			s.lineStart = at(subj.Start.Byte)
			s.HighlightStartOffset = lineOut + s.lineStart
		}
		if pos == subjEndLine {
			s.lineEnd = at(subj.End.Byte)
			if subjEnd != subj.End.Byte {
				s.lineEnd = at(subjEnd) + 1 // the newline
			}
			s.HighlightEndOffset = lineOut + s.lineEnd
		}
		pos = lineEnd + 1
	}
	s.Code = code.String()
	if s.HighlightStartOffset < 0 {
		s.HighlightStartOffset = 0
	}
	if s.HighlightEndOffset < 0 { // the subject ends below the lines shown
		s.HighlightEndOffset = len(s.Code)
		s.lineEnd = len(s.Code) - (strings.LastIndexByte(s.Code, '\n') + 1)
	}
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		s.Context = shorten(nav.ContextString(d.Subject.Start.Byte), maxSummary)
	}
	return s
}

// shorten cuts s to at most n runes, marking the cut with "…".
func shorten(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n - 1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

func lineOf(src []byte, offset int) int {
	return bytes.Count(src[:offset], []byte{'\n'}) + 1
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *jsonRange `json:"range,omitempty"`
	Snippet  *snippet   `json:"snippet,omitempty"`
}

type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

// DiagnosticsJSON writes diags in the shape of Terraform's validate -json
// output: {"format_version","valid","error_count","warning_count",
// "diagnostics":[{"severity","summary","detail","range","snippet"}]}.
// Snippets are included when the parsed files are passed (Result.Files).
func DiagnosticsJSON(w io.Writer, diags hcl.Diagnostics, files ...map[string]*hcl.File) error {
	all := map[string]*hcl.File{}
	for _, m := range files {
		for k, v := range m {
			all[k] = v
		}
	}
	out := jsonDiagnostics{FormatVersion: "1.0", Diagnostics: []jsonDiagnostic{}}
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: "error", Summary: shorten(d.Summary, maxSummary), Detail: shorten(d.Detail, maxDetail)}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			out.WarningCount++
		} else {
			out.ErrorCount++
		}
		if r := d.Subject; r != nil {
			jd.Range = &jsonRange{
				Filename: r.Filename,
				Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
			}
			jd.Snippet = snippetOf(all, d)
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
