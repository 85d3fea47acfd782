package spec

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// loadOne loads src as the only file of a configuration and renders its
// diagnostics as text and as JSON.
func loadOne(t *testing.T, src string) (text, js string) {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), src)
	res, diags := Load(Input{Dir: dir})
	if !diags.HasErrors() {
		t.Fatal("want errors")
	}
	var tb, jb bytes.Buffer
	if err := WriteDiagnostics(&tb, res.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	if err := DiagnosticsJSON(&jb, diags, res.Files); err != nil {
		t.Fatal(err)
	}
	return tb.String(), jb.String()
}

type jsonSnippets struct {
	Diagnostics []struct {
		Summary, Detail string
		Snippet         *struct {
			Code                 string `json:"code"`
			StartLine            int    `json:"start_line"`
			HighlightStartOffset int    `json:"highlight_start_offset"`
			HighlightEndOffset   int    `json:"highlight_end_offset"`
		} `json:"snippet"`
	} `json:"diagnostics"`
}

// TestSnippetLongLine: a subject far into a long line is shown in a window
// of the line around it, marked "…" where the line was cut; the caret and
// the JSON highlight still point at it.
func TestSnippetLongLine(t *testing.T) {
	many := strings.Repeat(`"p", `, 600)
	src := `permission "p" {}` + "\n" +
		`role "r" { permissions = [` + many + `"nope", ` + many + `"p"] }` + "\n"
	text, js := loadOne(t, src)
	lines := strings.Split(text, "\n")
	var code, carets string
	for i, l := range lines {
		if strings.HasPrefix(l, "  2: ") {
			code, carets = l, lines[i+1]
		}
	}
	if !strings.HasPrefix(code, "  2: …") || !strings.HasSuffix(code, "…") || len(code) > maxSnippetLine+20 {
		t.Errorf("source line shown as %q (%d bytes)", code, len(code))
	}
	if i := strings.Index(code, `"nope"`); i < 0 || strings.Index(carets, "^") != utf8.RuneCountInString(code[:i]) || strings.Count(carets, "^") != len(`"nope"`) {
		t.Errorf("the carets do not underline the subject:\n%s\n%s", code, carets)
	}
	var got jsonSnippets
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	sn := got.Diagnostics[0].Snippet
	if sn == nil || sn.StartLine != 2 || sn.Code[sn.HighlightStartOffset:sn.HighlightEndOffset] != `"nope"` || len(sn.Code) > maxSnippetLine+10 {
		t.Errorf("JSON snippet %+v", sn)
	}
}

// TestSnippetManyLines: a subject spanning thousands of lines shows the
// first few and says where it ends.
func TestSnippetManyLines(t *testing.T) {
	src := "organization \"o\" {\n  mfa_required = [\n" + strings.Repeat("    \"x\",\n", 5000) + "  ]\n}\n"
	text, js := loadOne(t, src)
	if n := strings.Count(text, "\n"); n > maxSnippetLines+10 {
		t.Errorf("%d lines of text:\n%s", n, text)
	}
	if !strings.Contains(text, "… (the range goes on to line 5003)") {
		t.Errorf("the text does not say where the range ends:\n%s", text)
	}
	var got jsonSnippets
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	sn := got.Diagnostics[0].Snippet
	if sn == nil || strings.Count(sn.Code, "\n")+1 != maxSnippetLines || sn.HighlightEndOffset != len(sn.Code) {
		t.Errorf("JSON snippet %+v", sn)
	}
}

// TestDiagnosticsQuoteBounded: a huge value quoted in a diagnostic is cut.
func TestDiagnosticsQuoteBounded(t *testing.T) {
	long := strings.Repeat("n", 100000)
	text, js := loadOne(t, `role "r" { permissions = ["`+long+`"] }`+"\n")
	for name, out := range map[string]string{"text": text, "JSON": js} {
		if len(out) > 5000 {
			t.Errorf("%s diagnostics are %d bytes", name, len(out))
		}
		if !strings.Contains(out, strings.Repeat("n", maxQuoted-1)+"…") {
			t.Errorf("%s diagnostics do not show the cut value:\n%.500s", name, out)
		}
	}
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ééééé", 3, "éé…"},
		{"", 1, ""},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
