package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpFlags reads the flag names from a command's -h output.
func helpFlags(t *testing.T, name string) []string {
	t.Helper()
	code, out, _ := runCmd(t, nil, name, "-h")
	if code != exitOK {
		t.Fatalf("%s -h: exit %d", name, code)
	}
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`).FindAllStringSubmatch(out, -1) {
		flags = append(flags, m[1])
	}
	return flags
}

// TestCompletionSpecs: completion sees exactly the flags each command's help
// lists, with the values and file kinds the scripts complete.
func TestCompletionSpecs(t *testing.T) {
	specs := commandSpecs()
	if len(specs) != len(commands()) {
		t.Fatalf("specs for %v, want every command", commandNames(specs))
	}
	kinds := map[string]map[string]flagSpec{}
	for _, s := range specs {
		var names []string
		kinds[s.name] = map[string]flagSpec{}
		for _, f := range s.flags {
			names = append(names, f.name)
			kinds[s.name][f.name] = f
		}
		if want := helpFlags(t, s.name); !slices.Equal(names, want) {
			t.Errorf("%s: completion has flags %v, help lists %v", s.name, names, want)
		}
	}
	for _, tc := range []struct {
		cmd, flag, kind string
		choices         []string
	}{
		{"plan", "format", "choice", []string{"text", "json", "markdown"}},
		{"apply", "format", "choice", []string{"text", "json"}},
		{"plan", "log-level", "choice", []string{"trace", "debug", "info", "warn", "error"}},
		{"emulator", "log-level", "choice", []string{"trace", "debug", "info", "warn", "error"}},
		{"plan", "log-format", "choice", []string{"console", "json"}},
		{"plan", "c", "dir", nil},
		{"plan", "out", "file", nil},
		{"plan", "var-file", "file", nil},
		{"apply", "impact-out", "file", nil},
		{"export", "o", "dir", nil},
		{"emulator", "state", "file", nil},
		{"emulator", "seed-config", "dir", nil},
		{"plan", "detailed-exitcode", "bool", nil},
		{"plan", "target", "value", nil},
		{"plan", "timeout", "value", nil},
	} {
		f, ok := kinds[tc.cmd][tc.flag]
		if !ok || f.kind != tc.kind || !slices.Equal(f.choices, tc.choices) {
			t.Errorf("%s -%s: %+v, want kind %s %v", tc.cmd, tc.flag, f, tc.kind, tc.choices)
		}
	}
	if !kinds["plan"]["var"].repeatable || !kinds["plan"]["var-file"].repeatable || !kinds["export"]["org"].repeatable || kinds["plan"]["c"].repeatable {
		t.Error("-var is repeatable, -c is not")
	}
}

// TestCompletionScripts: each script is produced, names every command and
// flag, and is valid for its shell.
func TestCompletionScripts(t *testing.T) {
	specs := commandSpecs()
	for _, shell := range completionShells {
		t.Run(shell, func(t *testing.T) {
			code, script, errOut := runCmd(t, nil, "completion", shell)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, s := range specs {
				if !regexp.MustCompile(`\b` + s.name + `\b`).MatchString(script) {
					t.Errorf("the script does not mention the command %s", s.name)
				}
				for _, f := range s.flags {
					mention := "-" + f.name
					if shell == "fish" {
						mention = "-o " + f.name + " "
					}
					if !strings.Contains(script, mention) {
						t.Errorf("the script does not mention %s's flag -%s", s.name, f.name)
					}
				}
			}
			path := filepath.Join(t.TempDir(), "orgsync."+shell)
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			bin, err := exec.LookPath(shell)
			if err != nil {
				if shell == "bash" {
					t.Fatalf("bash is needed to check the bash script: %v", err)
				}
				t.Skipf("%s is not installed: syntax not checked", shell)
			}
			if out, err := exec.Command(bin, "-n", path).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
	if code, _, errOut := runCmd(t, nil, "completion", "powershell"); code != exitError || !strings.Contains(errOut, `unknown shell "powershell"`) {
		t.Errorf("completion powershell: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "completion"); code != exitError || !strings.Contains(errOut, "name the shell") {
		t.Errorf("completion: exit %d, stderr %q", code, errOut)
	}
}

// TestBashCompletionCompletes runs the bash script's completion function.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is needed: %v", err)
	}
	_, script, _ := runCmd(t, nil, "completion", "bash")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "orgsync.bash"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.bin"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) string {
		t.Helper()
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c",
			`source ./orgsync.bash; COMP_WORDS=(`+strings.Join(quoted, " ")+`); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _orgsync; printf '%s\n' "${COMPREPLY[@]}" | sort`)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", words, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"orgsync", "pl"}, "plan"},
		{[]string{"orgsync", "plan", "-det"}, "-detailed-exitcode"},
		{[]string{"orgsync", "plan", "-format", ""}, "json\nmarkdown\ntext"},
		{[]string{"orgsync", "apply", "-format", ""}, "json\ntext"},
		{[]string{"orgsync", "plan", "-c", ""}, "conf"},
		{[]string{"orgsync", "apply", "p"}, "plan.bin"},
		{[]string{"orgsync", "completion", ""}, "bash\nfish\nzsh"},
		{[]string{"orgsync", "help", "ex"}, "export"},
		{[]string{"orgsync", "plan", "-target", ""}, ""},
	} {
		if got := complete(tc.words...); got != tc.want {
			t.Errorf("%q: completions %q, want %q", tc.words, got, tc.want)
		}
	}
}

// TestFishCompletionCompletes asks fish for completions (when installed).
func TestFishCompletionCompletes(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	_, script, _ := runCmd(t, nil, "completion", "fish")
	path := filepath.Join(t.TempDir(), "orgsync.fish")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"orgsync pl":             "plan\tShow what apply would change in the tenant",
		"orgsync plan -form":     "-format\toutput format: text, json or markdown",
		"orgsync apply -format ": "json\toutput format: text or json\ntext\toutput format: text or json",
		"orgsync completion ":    "bash\nfish\nzsh",
	} {
		out, err := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C '"+line+"'").CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", line, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%q: completions %q, want %q", line, got, want)
		}
	}
}
