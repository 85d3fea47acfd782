package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFileIsRecordedInSources: a file read by file() is part of the
// sources, so a saved plan recomputes from the bytes it was made from; it
// is read once however often it is called.
func TestFileIsRecordedInSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.hcl", `
organization "org" {
  for_each   = toset(["a", "b"])
  custom_css = file("brand.css")
}
`)
	write("brand.css", "body { color: red; }\n")
	res, diags := Load(Input{Dir: dir})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []SourceFile{{Name: filepath.Join(dir, "brand.css"), Content: []byte("body { color: red; }\n")}}
	if diff := cmp.Diff(want, res.Sources.Included); diff != "" {
		t.Fatalf("included files (-want +got):\n%s", diff)
	}
	js, err := json.Marshal(res.Sources)
	if err != nil {
		t.Fatal(err)
	}
	write("brand.css", "body { color: blue; }\n")
	var saved Sources
	if err := json.Unmarshal(js, &saved); err != nil {
		t.Fatal(err)
	}
	again, diags := Load(Input{Sources: &saved})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(res.Config, again.Config); diff != "" {
		t.Errorf("configuration loaded from its sources differs (-first +again):\n%s", diff)
	}
	if got := *again.Config.Organizations[1].CustomCSS; got != "body { color: red; }\n" {
		t.Errorf("custom_css from the saved sources = %q", got)
	}
	if diff := cmp.Diff(res.Sources, again.Sources); diff != "" {
		t.Errorf("sources of the second load (-first +again):\n%s", diff)
	}

	// A snapshot without the file refuses, rather than reading the disk.
	saved.Included = nil
	_, diags = Load(Input{Sources: &saved})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "not in the saved configuration") {
		t.Errorf("snapshot without the included file: %v", diags)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("a", maxIncludedFile+1)
	if err := os.WriteFile(filepath.Join(dir, "big.css"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ call, want string }{
		{`file("")`, "the path is empty"},
		{`file("big.css")`, "file() reads at most"},
		{`file("nope/x.css")`, "no file " + filepath.Join(dir, "nope", "x.css")},
	} {
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`organization "a" { custom_css = `+tt.call+" }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res, diags := Load(Input{Dir: dir})
		if res.Config != nil || len(diags) != 1 || !strings.Contains(diags[0].Detail, tt.want) {
			t.Errorf("%s: diagnostics %v, want one containing %q", tt.call, diags, tt.want)
			continue
		}
		if s := diags[0].Subject; s == nil || s.Start.Line != 1 || s.Start.Column != 33 {
			t.Errorf("%s: subject %v, want main.hcl:1:33", tt.call, s)
		}
	}
}

func TestBadURL(t *testing.T) {
	for _, ok := range []string{
		"https://cdn.acme.com/logo.svg", "http://127.0.0.1:8080/x.png", "https://[::1]/a", "data:image/png;base64,AAAA",
		"ftp://files.acme.com/logo.png", "https://user@host.com/a?b#c", "mailto:a@b.c",
	} {
		if why := badURL(ok); why != "" {
			t.Errorf("badURL(%q) = %q, want accepted", ok, why)
		}
	}
	for _, bad := range []string{"", "logo.svg", "/logo.svg", "https://", "https://exa mple.com/", "https://host:99999/",
		"https://host:8x/", " https://a.com", "https://a.com\n", "https://[::1/a", "1http://a.com"} {
		if badURL(bad) == "" {
			t.Errorf("badURL(%q) accepted", bad)
		}
	}
}

func TestBadLink(t *testing.T) {
	for _, ok := range []string{"https://app.acme.com/invite/{id}", "http://localhost:3000/accept?invitation={id}&x=1", "https://app.acme.com/join"} {
		if why := badLink(ok); why != "" {
			t.Errorf("badLink(%q) = %q", ok, why)
		}
	}
	for _, bad := range []string{"https://app.acme.com/{invitation}", "ftp://a.com/{id}", "app.acme.com/{id}", "data:text/plain,{id}"} {
		if badLink(bad) == "" {
			t.Errorf("badLink(%q) accepted", bad)
		}
	}
}
