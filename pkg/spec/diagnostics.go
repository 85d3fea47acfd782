package spec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	fmt.Fprintf(w, "%s %s\n", paint(code, label+":"), paint(ansiBold, d.Summary))
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
			// A caret line under a subject that fits on one line.
			if d.Subject.Start.Line == d.Subject.End.Line && s.lineEnd > s.lineStart {
				src := lines[d.Subject.Start.Line-s.StartLine]
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
		fmt.Fprintf(w, "\n%s\n", d.Detail)
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
}

// snippetOf extracts the lines of the diagnostic's context (or subject)
// range from its file; nil when the source is not available.
func snippetOf(files map[string]*hcl.File, d *hcl.Diagnostic) *snippet {
	if d.Subject == nil || files == nil {
		return nil
	}
	f := files[d.Subject.Filename]
	if f == nil || f.Bytes == nil {
		return nil
	}
	src := f.Bytes
	rng := *d.Subject
	if d.Context != nil && d.Context.Filename == rng.Filename {
		rng = hcl.RangeOver(rng, *d.Context)
	}
	if rng.Start.Byte > len(src) || rng.End.Byte > len(src) || rng.Start.Byte > rng.End.Byte {
		return nil
	}
	// Widen to whole lines.
	start := bytes.LastIndexByte(src[:rng.Start.Byte], '\n') + 1
	end := rng.End.Byte
	if end > start && end > 0 && src[end-1] == '\n' {
		end--
	}
	if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
		end += i
	} else {
		end = len(src)
	}
	s := &snippet{
		Code:                 strings.TrimRight(string(src[start:end]), "\r"),
		StartLine:            lineOf(src, start),
		HighlightStartOffset: d.Subject.Start.Byte - start,
		HighlightEndOffset:   d.Subject.End.Byte - start,
	}
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		s.Context = nav.ContextString(d.Subject.Start.Byte)
	}
	subjLineStart := bytes.LastIndexByte(src[:d.Subject.Start.Byte], '\n') + 1
	s.lineStart = d.Subject.Start.Byte - subjLineStart
	endLineStart := bytes.LastIndexByte(src[:d.Subject.End.Byte], '\n') + 1
	s.lineEnd = d.Subject.End.Byte - endLineStart
	return s
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
		jd := jsonDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
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
