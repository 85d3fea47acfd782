package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/spec"
)

// The CI examples under examples/ci are executed here, command line by
// command line, against the built-in emulator, so that a renamed flag, a
// changed exit code or a reformatted example configuration breaks this test
// instead of somebody's pipeline.

const (
	ciExamplesDir = "../../examples/ci"
	ciConfigDir   = "../../examples/saas"
	// ciPlanMarker starts the hidden marker the pipelines put in front of the
	// plan comment to find it again (the rest names the environment).
	// orgsync's Markdown does not contain it.
	ciPlanMarker = "<!-- orgsync"
)

// Kinds of orgsync command lines, by the role they play in a pipeline.
const (
	kindValidate   = "validate"
	kindFmtCheck   = "fmt-check"
	kindPlanPR     = "plan-pr"     // plan on a pull request: saves the plan
	kindApplySaved = "apply-saved" // apply a saved plan file
	kindApplyFresh = "apply-fresh" // plan and apply with -auto-approve (opted in)
	kindPlanFresh  = "plan-fresh"  // the plan as it would be now, after a refused apply
	kindPlanDrift  = "plan-drift"  // scheduled drift plan
)

// ciExpectedKinds lists, for every YAML file under examples/ci, the orgsync
// command lines it holds, in order. A new file must be added here.
var ciExpectedKinds = map[string][]string{
	"github/orgsync-plan.yml":           {kindValidate, kindFmtCheck, kindPlanPR},
	"github/orgsync-apply.yml":          {kindApplySaved, kindApplyFresh, kindPlanFresh},
	"github/orgsync-drift.yml":          {kindPlanDrift},
	"github/install-orgsync/action.yml": nil,
	"gitlab-ci.yml":                     {kindValidate, kindFmtCheck, kindPlanPR, kindApplySaved, kindApplyFresh, kindPlanFresh, kindPlanDrift},
}

// ciSystems groups the files of one CI system: their commands run together
// against one tenant, in the order a change goes through them.
var ciSystems = []struct {
	name  string
	files []string
}{
	{"github", []string{"github/orgsync-plan.yml", "github/orgsync-apply.yml", "github/orgsync-drift.yml"}},
	{"gitlab", []string{"gitlab-ci.yml"}},
}

// ciFiles are the relative file names the pipelines read and write; the test
// maps them into a temporary directory.
var ciFiles = []string{"plan.bin", "plan.md", "impact.json", "drift.md", "fresh.md", "apply.txt", "apply.err", "result.json"}

// ciMinCommands guards against a test that passes because it found nothing.
const ciMinCommands = 12

// ciCommand is one orgsync command line found in a run or script block.
type ciCommand struct {
	file string // relative to examples/ci, slash-separated
	line int    // line of the command in the file
	text string // the line as written
}

func (c *ciCommand) String() string { return fmt.Sprintf("%s:%d: %s", c.file, c.line, c.text) }

// ciFile is one parsed YAML file.
type ciFile struct {
	rel  string
	raw  string
	root *yaml.Node // the document's top-level mapping
	cmds []*ciCommand
}

func loadCIFiles(t *testing.T) map[string]*ciFile {
	t.Helper()
	files := map[string]*ciFile{}
	err := filepath.WalkDir(ciExamplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (filepath.Ext(path) != ".yml" && filepath.Ext(path) != ".yaml") {
			return nil
		}
		rel, err := filepath.Rel(ciExamplesDir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Errorf("examples/ci/%s: not valid YAML: %v", rel, err)
			return nil
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
			t.Errorf("examples/ci/%s: the document must be one YAML mapping", rel)
			return nil
		}
		f := &ciFile{rel: rel, raw: string(b), root: doc.Content[0]}
		if err := extractCommands(f); err != nil {
			t.Errorf("examples/ci/%s", err)
		}
		files[rel] = f
		return nil
	})
	if err != nil {
		t.Fatalf("reading examples/ci: %v", err)
	}
	return files
}

// ciHiddenRe finds orgsync invocations that do not start their line, which
// the extraction below would miss.
var ciHiddenRe = regexp.MustCompile(`(^|[;&|(]\s*|\b(then|do|else|exec|time)\s+)orgsync\s`)

// extractCommands collects the orgsync command lines of every shell block
// (run:, script:, before_script:, after_script:) in document order. A
// "script" under "with:" is an action input (JavaScript for github-script),
// not shell.
func extractCommands(f *ciFile) error {
	var errs []string
	var walk func(n *yaml.Node, parentKey string)
	scan := func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			return
		}
		first := n.Line
		if n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle {
			first++ // the block starts on the line after "|"
		}
		lines := strings.Split(n.Value, "\n")
		for i := 0; i < len(lines); i++ {
			start := i
			logical := lines[i]
			for strings.HasSuffix(logical, `\`) && i+1 < len(lines) {
				i++
				logical = strings.TrimSuffix(logical, `\`) + " " + strings.TrimSpace(lines[i])
			}
			text := strings.TrimSpace(logical)
			if strings.HasPrefix(text, "orgsync ") {
				f.cmds = append(f.cmds, &ciCommand{file: f.rel, line: first + start, text: text})
			} else if ciHiddenRe.MatchString(text) {
				errs = append(errs, fmt.Sprintf("%s:%d: %q runs orgsync in a form this test cannot find: put the orgsync command at the start of its own line", f.rel, first+start, text))
			}
		}
	}
	walk = func(n *yaml.Node, parentKey string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case k.Value == "run" || (parentKey != "with" && (k.Value == "script" || k.Value == "before_script" || k.Value == "after_script")):
					if v.Kind == yaml.SequenceNode {
						for _, item := range v.Content {
							scan(item)
						}
					} else {
						scan(v)
					}
				default:
					walk(v, k.Value)
				}
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, parentKey)
			}
		}
	}
	walk(f.root, "")
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// ciRedirect is a shell redirection of a command's output.
type ciRedirect struct {
	fd     int // 1 or 2
	append bool
	target string
}

// ciToken is a word or an operator of a shell command line.
type ciToken struct {
	op   string // "" for a word
	word string
}

// shellWords splits one shell command line into words, expanding $NAME and
// ${NAME} with lookup, honouring single and double quotes and backslashes.
// It stops at a comment or at the first |, ||, &, && or ; (what follows is
// exit-code handling, not part of the command). Output redirections (>,
// >>, 2>, 2>>) are returned apart from the words; anything else a simple
// command line in a pipeline should not need is an error.
func shellWords(line string, lookup func(string) (string, bool)) ([]string, []ciRedirect, error) {
	var (
		toks   []ciToken
		cur    strings.Builder
		inWord bool
		quoted bool // the current word has quoted parts
		runes  = []rune(line)
		isName = func(r rune, first bool) bool {
			return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (!first && r >= '0' && r <= '9')
		}
		endWord = func() {
			if inWord {
				toks = append(toks, ciToken{word: cur.String()})
			}
			cur.Reset()
			inWord, quoted = false, false
		}
	)
	// expand reads a $ expansion starting at runes[i] == '$' and returns the
	// index of its last rune.
	expand := func(i int) (int, error) {
		if i+1 >= len(runes) {
			cur.WriteRune('$')
			return i, nil
		}
		var name string
		end := i
		switch r := runes[i+1]; {
		case r == '{':
			j := i + 2
			for j < len(runes) && runes[j] != '}' {
				j++
			}
			if j >= len(runes) {
				return 0, fmt.Errorf("unterminated ${ in %q", line)
			}
			name, end = string(runes[i+2:j]), j
			for k, r := range name {
				if !isName(r, k == 0) {
					return 0, fmt.Errorf("unsupported expansion ${%s}", name)
				}
			}
		case isName(r, true):
			j := i + 1
			for j < len(runes) && isName(runes[j], false) {
				j++
			}
			name, end = string(runes[i+1:j]), j-1
		default:
			return 0, fmt.Errorf("unsupported expansion $%c (command substitution or special parameter)", r)
		}
		v, ok := lookup(name)
		if !ok {
			return 0, fmt.Errorf("$%s is not a variable this test knows: add it to the test", name)
		}
		cur.WriteString(v)
		return end, nil
	}
loop:
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' || r == '\t':
			endWord()
		case r == '#' && !inWord:
			break loop
		case r == '\'':
			inWord, quoted = true, true
			j := i + 1
			for j < len(runes) && runes[j] != '\'' {
				j++
			}
			if j >= len(runes) {
				return nil, nil, fmt.Errorf("unterminated single quote in %q", line)
			}
			cur.WriteString(string(runes[i+1 : j]))
			i = j
		case r == '"':
			inWord, quoted = true, true
			j := i + 1
			for ; j < len(runes) && runes[j] != '"'; j++ {
				switch runes[j] {
				case '\\':
					if j+1 < len(runes) && strings.ContainsRune("\"\\$`", runes[j+1]) {
						j++
					}
					cur.WriteRune(runes[j])
				case '$':
					end, err := expand(j)
					if err != nil {
						return nil, nil, err
					}
					j = end
				case '`':
					return nil, nil, fmt.Errorf("command substitution in %q is not supported", line)
				default:
					cur.WriteRune(runes[j])
				}
			}
			if j >= len(runes) {
				return nil, nil, fmt.Errorf("unterminated double quote in %q", line)
			}
			i = j
		case r == '\\':
			inWord = true
			if i+1 < len(runes) {
				i++
				cur.WriteRune(runes[i])
			}
		case r == '$':
			inWord = true
			end, err := expand(i)
			if err != nil {
				return nil, nil, err
			}
			i = end
		case r == '`' || r == '(' || r == ')':
			return nil, nil, fmt.Errorf("%q: %c is not supported in an orgsync command line", line, r)
		case r == '>' || r == '<':
			op := string(r)
			if inWord && !quoted && (cur.String() == "1" || cur.String() == "2") {
				op = cur.String() + op
				cur.Reset()
				inWord = false
			}
			endWord()
			if r == '>' && i+1 < len(runes) && runes[i+1] == '>' {
				op += ">"
				i++
			}
			toks = append(toks, ciToken{op: op})
		case r == '|' || r == '&' || r == ';':
			endWord()
			toks = append(toks, ciToken{op: string(r)})
			break loop
		default:
			inWord = true
			cur.WriteRune(r)
		}
	}
	endWord()

	var words []string
	var redirs []ciRedirect
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		switch tk.op {
		case "":
			words = append(words, tk.word)
		case "|", "&", ";":
			return words, redirs, nil
		case ">", "1>", ">>", "1>>", "2>", "2>>":
			if i+1 >= len(toks) || toks[i+1].op != "" {
				return nil, nil, fmt.Errorf("%q: %s without a file name (only > FILE, >> FILE, 2> FILE are supported)", line, tk.op)
			}
			rd := ciRedirect{fd: 1, append: strings.HasSuffix(tk.op, ">>"), target: toks[i+1].word}
			if strings.HasPrefix(tk.op, "2") {
				rd.fd = 2
			}
			redirs = append(redirs, rd)
			i++
		default:
			return nil, nil, fmt.Errorf("%q: redirection %s is not supported", line, tk.op)
		}
	}
	return words, redirs, nil
}

func TestShellWords(t *testing.T) {
	vars := map[string]string{"ORGSYNC_CONFIG": "/tmp/cfg", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	tests := []struct {
		line   string
		words  []string
		redirs []ciRedirect
		err    string
	}{
		{line: `orgsync validate -c "$ORGSYNC_CONFIG"`, words: []string{"orgsync", "validate", "-c", "/tmp/cfg"}},
		{line: `orgsync plan -c ${ORGSYNC_CONFIG}/x -out plan.bin > plan.md || ec=$?`,
			words: []string{"orgsync", "plan", "-c", "/tmp/cfg/x", "-out", "plan.bin"}, redirs: []ciRedirect{{fd: 1, target: "plan.md"}}},
		{line: `orgsync plan 2>>err.log >out.md; ec=$?`, words: []string{"orgsync", "plan"},
			redirs: []ciRedirect{{fd: 2, append: true, target: "err.log"}, {fd: 1, target: "out.md"}}},
		{line: `orgsync plan -var 'name=a b' -var "x=\"q\"" && echo done`, words: []string{"orgsync", "plan", "-var", "name=a b", "-var", `x="q"`}},
		{line: `orgsync apply plan\ file.bin | tee log # comment`, words: []string{"orgsync", "apply", "plan file.bin"}},
		{line: `orgsync fmt -check -c "$ORGSYNC_CONFIG" || {`, words: []string{"orgsync", "fmt", "-check", "-c", "/tmp/cfg"}},
		{line: `orgsync plan -var "a=$EMPTY" # trailing`, words: []string{"orgsync", "plan", "-var", "a="}},
		{line: `orgsync plan -c "$UNKNOWN"`, err: "$UNKNOWN is not a variable"},
		{line: `orgsync plan -c $(pwd)`, err: "unsupported expansion"},
		{line: `orgsync plan -c 'open`, err: "unterminated single quote"},
		{line: `orgsync plan > `, err: "without a file name"},
		{line: `orgsync plan 2>&1`, err: "without a file name"},
		{line: `orgsync plan < in`, err: "redirection < is not supported"},
	}
	for _, tt := range tests {
		words, redirs, err := shellWords(tt.line, lookup)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("shellWords(%q) error = %v, want one containing %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("shellWords(%q): %v", tt.line, err)
			continue
		}
		if !slices.Equal(words, tt.words) || !slices.Equal(redirs, tt.redirs) {
			t.Errorf("shellWords(%q) = %q, %+v; want %q, %+v", tt.line, words, redirs, tt.words, tt.redirs)
		}
	}
}

// classify says which role a command line plays in a pipeline (a plan
// without -out is the drift check, or, written to fresh.md, the plan shown
// after a refused apply).
func classify(args []string, redirs []ciRedirect) (string, error) {
	if len(args) < 2 || args[0] != "orgsync" {
		return "", fmt.Errorf("not an orgsync command line")
	}
	rest := args[2:]
	has := func(flag string) bool {
		return slices.ContainsFunc(rest, func(a string) bool {
			return a == flag || a == "-"+flag || strings.HasPrefix(a, flag+"=") || strings.HasPrefix(a, "-"+flag+"=")
		})
	}
	switch args[1] {
	case "validate":
		return kindValidate, nil
	case "fmt":
		if !has("-check") {
			return "", fmt.Errorf("fmt without -check would rewrite files in CI")
		}
		return kindFmtCheck, nil
	case "plan":
		if !has("-detailed-exitcode") {
			return "", fmt.Errorf("plan without -detailed-exitcode cannot tell changes from no changes")
		}
		if has("-out") {
			return kindPlanPR, nil
		}
		for _, rd := range redirs {
			if rd.target == "fresh.md" {
				return kindPlanFresh, nil
			}
		}
		return kindPlanDrift, nil
	case "apply":
		if has("-auto-approve") {
			return kindApplyFresh, nil
		}
		if has("-c") {
			return "", fmt.Errorf("apply -c without -auto-approve asks for confirmation and fails in CI")
		}
		return kindApplySaved, nil
	}
	return "", fmt.Errorf("orgsync %s is not a command these pipelines are expected to run", args[1])
}

func TestCIExamplesStructure(t *testing.T) {
	files := loadCIFiles(t)
	var names []string
	for rel := range files {
		names = append(names, rel)
	}
	slices.Sort(names)
	for rel := range ciExpectedKinds {
		if files[rel] == nil {
			t.Errorf("examples/ci/%s is missing", rel)
		}
	}
	total := 0
	for _, rel := range names {
		f := files[rel]
		t.Run(rel, func(t *testing.T) {
			want, known := ciExpectedKinds[rel]
			if !known {
				t.Fatalf("examples/ci/%s is not known to this test: add it to ciExpectedKinds with the orgsync commands it runs", rel)
			}
			vars := map[string]string{"ORGSYNC_CONFIG": "config"}
			var got []string
			for _, c := range f.cmds {
				args, redirs, err := shellWords(c.text, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				kind, err := classify(args, redirs)
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				got = append(got, kind)
			}
			if !slices.Equal(got, want) {
				t.Errorf("orgsync commands, in order: got %v, want %v", got, want)
			}
			total += len(f.cmds)

			checkInstalls(t, f)

			switch {
			case strings.HasPrefix(rel, "github/") && filepath.Base(rel) == "action.yml":
				checkCompositeAction(t, f)
			case strings.HasPrefix(rel, "github/"):
				checkWorkflow(t, f)
			default:
				checkGitLab(t, f)
			}
			if slices.Contains(want, kindPlanPR) && !strings.Contains(f.raw, ciPlanMarker) {
				t.Errorf("posts the plan without the %s marker that finds the comment again", ciPlanMarker)
			}
		})
	}
	if total < ciMinCommands {
		t.Errorf("found %d orgsync command lines in examples/ci, want at least %d", total, ciMinCommands)
	}
}

var (
	ciGoInstallRe  = regexp.MustCompile(`go install\b.*github\.com/orgsync/orgsync/cmd/orgsync@`)
	ciActionRe     = regexp.MustCompile(`(^|/)install-orgsync(@[\w.-]+)?$`)
	ciRunsOrgsync  = regexp.MustCompile(`(?m)^\s*orgsync\s`)
	ciScriptRe     = regexp.MustCompile(`(^|\s)(sh|bash)\s+\S*install-orgsync\.sh\b`)
	ciActionPinned = "${{ env.ORGSYNC_VERSION }}"
)

// checkInstalls checks that every job running orgsync first installs the
// release binary at the version pinned once at the top of the file: the
// install-orgsync action with version ${{ env.ORGSYNC_VERSION }} (GitHub), or
// install-orgsync.sh, which reads ORGSYNC_VERSION, in before_script (GitLab).
// Compiling orgsync in every job (go install) is what the release binaries
// replace.
func checkInstalls(t *testing.T, f *ciFile) {
	t.Helper()
	if ciGoInstallRe.MatchString(f.raw) {
		t.Errorf("compiles orgsync with go install: install the release binary with the install-orgsync action or install-orgsync.sh instead")
	}
	switch {
	case strings.HasPrefix(f.rel, "github/") && filepath.Base(f.rel) == "action.yml":
		return
	case strings.HasPrefix(f.rel, "github/"):
		jobs := yamlGet(f.root, "jobs")
		for _, name := range yamlKeys(jobs) {
			installed := false
			steps := yamlGet(yamlGet(jobs, name), "steps")
			if steps == nil {
				continue
			}
			for i, st := range steps.Content {
				if ciActionRe.MatchString(scalar(yamlGet(st, "uses"))) {
					if v := scalar(yamlGet(yamlGet(st, "with"), "version")); v != ciActionPinned {
						t.Errorf("jobs.%s.steps[%d]: install-orgsync with version %q: pin it with %s", name, i, v, ciActionPinned)
					}
					installed = true
				}
				if !installed && ciRunsOrgsync.MatchString(scalar(yamlGet(st, "run"))) {
					t.Errorf("jobs.%s.steps[%d] runs orgsync before the install-orgsync action installed it", name, i)
				}
			}
		}
	default:
		for _, name := range yamlKeys(f.root) {
			job := yamlGet(f.root, name)
			if gitlabReserved[name] || strings.HasPrefix(name, ".") || !ciRunsOrgsync.MatchString(shellText(yamlGet(job, "script"))) {
				continue
			}
			before := yamlGet(job, "before_script")
			if ext := scalar(yamlGet(job, "extends")); before == nil && ext != "" {
				before = yamlGet(yamlGet(f.root, ext), "before_script")
			}
			if !ciScriptRe.MatchString(shellText(before)) {
				t.Errorf("job %s runs orgsync without installing it: run install-orgsync.sh in its before_script (or the template it extends)", name)
			}
		}
	}
}

// shellText joins a script: value (a string or a list of them).
func shellText(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.SequenceNode {
		var lines []string
		for _, c := range n.Content {
			lines = append(lines, c.Value)
		}
		return strings.Join(lines, "\n")
	}
	return n.Value
}

// yamlGet returns the value of key in mapping n, or nil.
func yamlGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlKeys returns the keys of mapping n in order.
func yamlKeys(n *yaml.Node) []string {
	var keys []string
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
		}
	}
	return keys
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

var (
	ciTalksToLogtoRe = regexp.MustCompile(`(?m)^\s*orgsync (plan|apply|export) `)
	ciVersionRe      = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	ciSecretRe       = regexp.MustCompile(`^\$\{\{\s*secrets\.[A-Za-z0-9_]+\s*\}\}$`)
	ciVarRe          = regexp.MustCompile(`^\$\{\{\s*(secrets|vars)\.[A-Za-z0-9_]+\s*\}\}$`)
	ciUsesRe         = regexp.MustCompile(`^(\./.+|[\w.-]+/[\w./-]+@[\w.-]+)$`)
)

// checkLogtoEnv checks an env: mapping: credentials come from secrets only.
func checkLogtoEnv(t *testing.T, where string, env *yaml.Node) (credentials bool) {
	t.Helper()
	for _, k := range yamlKeys(env) {
		v := scalar(yamlGet(env, k))
		switch k {
		case "LOGTO_APP_ID", "LOGTO_APP_SECRET":
			if !ciSecretRe.MatchString(v) {
				t.Errorf("%s: %s = %q: take it from ${{ secrets.* }}", where, k, v)
			}
			credentials = true
		case "LOGTO_ENDPOINT":
			if !ciVarRe.MatchString(v) {
				t.Errorf("%s: %s = %q: take it from ${{ vars.* }} or ${{ secrets.* }}", where, k, v)
			}
		}
	}
	return credentials
}

func checkWorkflow(t *testing.T, f *ciFile) {
	t.Helper()
	if scalar(yamlGet(f.root, "name")) == "" {
		t.Errorf("the workflow has no name")
	}
	on := yamlGet(f.root, "on")
	if on == nil || on.Kind != yaml.MappingNode || len(on.Content) == 0 {
		t.Errorf("on: must be a mapping of events")
	}
	perms := yamlGet(f.root, "permissions")
	if perms == nil || perms.Kind != yaml.MappingNode {
		t.Errorf("permissions: must list the token's permissions explicitly (minimal, not read-all/write-all)")
	}
	for _, k := range yamlKeys(perms) {
		if v := scalar(yamlGet(perms, k)); v != "read" && v != "write" && v != "none" {
			t.Errorf("permissions.%s = %q", k, v)
		}
	}
	env := yamlGet(f.root, "env")
	if v := scalar(yamlGet(env, "ORGSYNC_VERSION")); !ciVersionRe.MatchString(v) {
		t.Errorf("env.ORGSYNC_VERSION = %q: pin a release tag such as v1.0.0", v)
	}
	if scalar(yamlGet(env, "ORGSYNC_CONFIG")) == "" {
		t.Errorf("env.ORGSYNC_CONFIG (the configuration directory) is not set")
	}
	if checkLogtoEnv(t, "env", env) {
		t.Errorf("env: the Logto credentials are set for the whole workflow: set them only on the steps that run orgsync against the tenant")
	}
	credentials := false
	if v := scalar(yamlGet(env, "ORGSYNC_ENVIRONMENT")); v == "" {
		t.Errorf("env.ORGSYNC_ENVIRONMENT is not set: copies for staging and production must not share comments, artifacts or issues")
	} else {
		conc := scalar(yamlGet(yamlGet(f.root, "concurrency"), "group"))
		if !strings.Contains(conc, v) {
			t.Errorf("concurrency.group %q does not name the environment %q", conc, v)
		}
		if !strings.Contains(scalar(yamlGet(f.root, "name")), v) {
			t.Errorf("the workflow's name does not name the environment %q", v)
		}
	}
	jobs := yamlGet(f.root, "jobs")
	if len(yamlKeys(jobs)) == 0 {
		t.Fatalf("jobs: none")
	}
	for _, name := range yamlKeys(jobs) {
		job := yamlGet(jobs, name)
		where := "jobs." + name
		if scalar(yamlGet(job, "runs-on")) == "" {
			t.Errorf("%s: no runs-on", where)
		}
		if checkLogtoEnv(t, where+".env", yamlGet(job, "env")) {
			t.Errorf("%s.env: the Logto credentials are set for the whole job: set them only on the steps that run orgsync against the tenant", where)
		}
		steps := yamlGet(job, "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
			t.Errorf("%s: no steps", where)
			continue
		}
		for i, st := range steps.Content {
			swhere := fmt.Sprintf("%s.steps[%d]", where, i)
			checkStep(t, swhere, st, false)
			if checkLogtoEnv(t, swhere+".env", yamlGet(st, "env")) {
				credentials = true
				if !ciTalksToLogtoRe.MatchString(scalar(yamlGet(st, "run"))) {
					t.Errorf("%s: the Logto credentials reach a step that does not run orgsync against the tenant", swhere)
				}
			}
			if strings.Contains(scalar(yamlGet(yamlGet(st, "with"), "script")), ciPlanMarker) &&
				strings.Contains(scalar(yamlGet(yamlGet(st, "with"), "script")), "orgsync-plan") &&
				!strings.Contains(scalar(yamlGet(st, "if")), "always()") {
				t.Errorf("%s: the plan comment must be updated also when the plan fails: give it if: always() && ...", swhere)
			}
		}
	}
	if len(f.cmds) > 0 && !credentials {
		t.Errorf("runs orgsync but never sets LOGTO_APP_ID and LOGTO_APP_SECRET from secrets")
	}
	if f.rel == "github/orgsync-apply.yml" {
		conc := yamlGet(f.root, "concurrency")
		if scalar(yamlGet(conc, "group")) == "" || scalar(yamlGet(conc, "cancel-in-progress")) != "false" {
			t.Errorf("concurrency: two applies must never run at once: set a fixed group and cancel-in-progress: false")
		}
	}
}

func checkStep(t *testing.T, where string, st *yaml.Node, composite bool) {
	t.Helper()
	uses, run := yamlGet(st, "uses"), yamlGet(st, "run")
	switch {
	case (uses == nil) == (run == nil):
		t.Errorf("%s: a step has exactly one of uses and run", where)
	case uses != nil && !ciUsesRe.MatchString(scalar(uses)):
		t.Errorf("%s: uses %q: pin the action to a version (owner/repo@v1)", where, scalar(uses))
	case run != nil && composite && scalar(yamlGet(st, "shell")) == "":
		t.Errorf("%s: a run step of a composite action needs shell:", where)
	}
}

func checkCompositeAction(t *testing.T, f *ciFile) {
	t.Helper()
	if scalar(yamlGet(f.root, "name")) == "" || scalar(yamlGet(f.root, "description")) == "" {
		t.Errorf("an action needs a name and a description")
	}
	inputs := yamlGet(f.root, "inputs")
	if scalar(yamlGet(yamlGet(inputs, "version"), "required")) != "true" {
		t.Errorf("inputs.version must be required (the version is always pinned)")
	}
	if yamlGet(inputs, "go-version") == nil {
		t.Errorf("inputs.go-version is missing")
	}
	runs := yamlGet(f.root, "runs")
	if scalar(yamlGet(runs, "using")) != "composite" {
		t.Errorf("runs.using must be composite")
	}
	steps := yamlGet(runs, "steps")
	if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
		t.Fatalf("runs.steps: none")
	}
	for i, st := range steps.Content {
		checkStep(t, fmt.Sprintf("runs.steps[%d]", i), st, true)
	}
	readme, err := os.ReadFile(filepath.Join(ciExamplesDir, "README.md"))
	if err != nil || !strings.Contains(string(readme), "install-orgsync") {
		t.Errorf("examples/ci/README.md does not mention the install-orgsync action")
	}
}

// gitlabReserved are top-level .gitlab-ci.yml keys that are not jobs.
var gitlabReserved = map[string]bool{
	"variables": true, "stages": true, "default": true, "include": true, "workflow": true,
	"image": true, "services": true, "cache": true, "before_script": true, "after_script": true,
}

func checkGitLab(t *testing.T, f *ciFile) {
	t.Helper()
	if v := scalar(yamlGet(yamlGet(f.root, "variables"), "ORGSYNC_VERSION")); !ciVersionRe.MatchString(v) {
		t.Errorf("variables.ORGSYNC_VERSION = %q: pin a release tag such as v1.0.0", v)
	}
	stages := map[string]bool{}
	if st := yamlGet(f.root, "stages"); st != nil {
		for _, s := range st.Content {
			stages[s.Value] = true
		}
	}
	var jobs int
	for _, name := range yamlKeys(f.root) {
		if gitlabReserved[name] || strings.HasPrefix(name, ".") {
			continue
		}
		jobs++
		job := yamlGet(f.root, name)
		if yamlGet(job, "script") == nil {
			t.Errorf("job %s: no script", name)
		}
		if !stages[scalar(yamlGet(job, "stage"))] {
			t.Errorf("job %s: stage %q is not in stages", name, scalar(yamlGet(job, "stage")))
		}
		if rules := yamlGet(job, "rules"); rules == nil || rules.Kind != yaml.SequenceNode || len(rules.Content) == 0 {
			t.Errorf("job %s: no rules (every job runs in one kind of pipeline only)", name)
		}
		if ext := scalar(yamlGet(job, "extends")); ext != "" && yamlGet(f.root, ext) == nil {
			t.Errorf("job %s: extends %q, which is not defined", name, ext)
		}
	}
	if jobs == 0 {
		t.Errorf("no jobs")
	}
	if !strings.Contains(f.raw, `$CI_PIPELINE_SOURCE == "schedule"`) {
		t.Errorf("no job runs on schedules (drift detection)")
	}
}

// ciRunner executes the command lines of one CI system against an emulator.
type ciRunner struct {
	t      *testing.T
	ctx    context.Context
	vars   map[string]string // placeholders expanded in command lines
	files  map[string]string // relative file name => temporary path
	env    map[string]string // the process environment orgsync sees
	byKind map[string]*ciCommand
	ran    map[*ciCommand]int
}

type ciResult struct {
	code   exitCode
	stdout string
	stderr string
}

// exec runs the command line of the given kind and checks its exit code.
func (r *ciRunner) exec(kind string, want exitCode) ciResult {
	r.t.Helper()
	c := r.byKind[kind]
	if c == nil {
		r.t.Fatalf("no %s command line in this pipeline", kind)
	}
	words, redirs, err := shellWords(c.text, func(k string) (string, bool) { v, ok := r.vars[k]; return v, ok })
	if err != nil {
		r.t.Fatalf("%s: %v", c, err)
	}
	mapPath := func(p string) string {
		if m, ok := r.files[p]; ok {
			return m
		}
		if !filepath.IsAbs(p) && !strings.HasPrefix(p, "-") && (strings.Contains(p, "/") || ciFileNameRe.MatchString(p)) {
			r.t.Fatalf("%s: %q looks like a file this test does not know: add it to ciFiles", c, p)
		}
		return p
	}
	args := make([]string, 0, len(words)-1)
	for _, w := range words[1:] {
		args = append(args, mapPath(w))
	}
	var out, errb bytes.Buffer
	e := &env{ctx: r.ctx, s: streams{In: strings.NewReader(""), Out: &out, Err: &errb}, getenv: func(k string) string { return r.env[k] }}
	code := run(e, args)
	r.ran[c]++
	for _, rd := range redirs {
		data := out.Bytes()
		if rd.fd == 2 {
			data = errb.Bytes()
		}
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if rd.append {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		fh, err := os.OpenFile(mapPath(rd.target), flags, 0o644)
		if err == nil {
			_, err = fh.Write(data)
			if cerr := fh.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			r.t.Fatalf("%s: redirecting to %s: %v", c, rd.target, err)
		}
	}
	if code != want {
		r.t.Fatalf("%s\nexit code %d, the pipeline expects %d here\nstdout:\n%s\nstderr:\n%s", c, code, want, out.String(), errb.String())
	}
	return ciResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// read returns the content of a pipeline file.
func (r *ciRunner) read(name string) string {
	r.t.Helper()
	b, err := os.ReadFile(r.files[name])
	if err != nil {
		r.t.Fatalf("the pipeline's %s: %v", name, err)
	}
	return string(b)
}

var (
	ciSummaryRe  = regexp.MustCompile(`Plan:\S* \d+ to add, \d+ to change, \d+ to destroy`)
	ciFileNameRe = regexp.MustCompile(`^[\w-]+\.\w+$`)
)

// checkMarkdownPlan checks a Markdown plan as the pipelines post it.
func (r *ciRunner) checkMarkdownPlan(name string) {
	r.t.Helper()
	md := r.read(name)
	first, _, _ := strings.Cut(strings.TrimLeft(md, "\n"), "\n")
	if !ciSummaryRe.MatchString(first) {
		r.t.Errorf("%s does not start with the summary line; first line: %q", name, first)
	}
	if strings.Contains(md, ciPlanMarker) {
		r.t.Errorf("%s already contains %s: the pipelines add the marker themselves, so the comment would carry it twice", name, ciPlanMarker)
	}
}

// checkImpact checks the -impact-out file.
func (r *ciRunner) checkImpact() {
	r.t.Helper()
	var v any
	if err := json.Unmarshal([]byte(r.read("impact.json")), &v); err != nil {
		r.t.Errorf("impact.json is not JSON: %v", err)
	}
	if err := os.Remove(r.files["impact.json"]); err != nil {
		r.t.Fatal(err)
	}
}

// changeBehindOrgsync edits a managed permission's description directly
// through the Management API, as somebody in the Console would.
func changeBehindOrgsync(t *testing.T, ctx context.Context, c *logto.Client, name, description string) {
	t.Helper()
	var scopes []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := c.Do(ctx, "GET", "/api/organization-scopes", nil, &scopes); err != nil {
		t.Fatalf("listing organization scopes: %v", err)
	}
	for _, s := range scopes {
		if s.Name == name {
			if err := c.Do(ctx, "PATCH", "/api/organization-scopes/"+s.ID, map[string]any{"description": description}, nil); err != nil {
				t.Fatalf("changing %s behind orgsync's back: %v", name, err)
			}
			return
		}
	}
	t.Fatalf("permission %q is not in the tenant after apply", name)
}

// copyHCL copies the *.hcl files of src into dst.
func copyHCL(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatalf("reading %s: %v", src, err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".hcl" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("%s has no .hcl files", src)
	}
}

// TestCIExamplesRun runs every orgsync command line of the pipelines against
// an emulator, in the order a change goes through them: plan on the pull
// request, apply of the saved plan after the merge, drift checks, a change
// behind orgsync's back, a stale saved plan and the fallback apply.
func TestCIExamplesRun(t *testing.T) {
	files := loadCIFiles(t)
	ran := map[*ciCommand]int{}
	var all []*ciCommand
	for _, f := range files {
		all = append(all, f.cmds...)
	}

	for _, sys := range ciSystems {
		t.Run(sys.name, func(t *testing.T) {
			ctx := t.Context()
			byKind := map[string]*ciCommand{}
			for _, rel := range sys.files {
				f := files[rel]
				if f == nil {
					t.Fatalf("examples/ci/%s is missing", rel)
				}
				for _, c := range f.cmds {
					args, redirs, err := shellWords(c.text, func(string) (string, bool) { return "x", true })
					if err != nil {
						t.Fatalf("%s: %v", c, err)
					}
					kind, err := classify(args, redirs)
					if err != nil {
						t.Fatalf("%s: %v", c, err)
					}
					if prev := byKind[kind]; prev != nil {
						t.Fatalf("%s: a second %s command line (first: %s): the test cannot tell which one runs when", c, kind, prev)
					}
					byKind[kind] = c
				}
			}

			work := t.TempDir()
			cfgDir := filepath.Join(work, "orgsync")
			if err := os.Mkdir(cfgDir, 0o755); err != nil {
				t.Fatal(err)
			}
			copyHCL(t, ciConfigDir, cfgDir)
			res, diags := spec.Load(spec.Input{Dir: cfgDir})
			if diags.HasErrors() || res == nil || res.Config == nil {
				t.Fatalf("examples/saas does not load: %s", diags.Error())
			}
			cfg := res.Config
			if len(cfg.Permissions) == 0 {
				t.Fatalf("examples/saas declares no permission: the drift steps need one")
			}

			srv := emulatortest.Start(t, emulator.Options{})
			client, err := logto.New(logto.Config{Endpoint: srv.URL, AppID: srv.AppID, AppSecret: srv.AppSecret})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := seedFor(ctx, client, cfg); err != nil {
				t.Fatalf("seeding the emulator: %v", err)
			}

			r := &ciRunner{
				t:      t,
				ctx:    ctx,
				vars:   map[string]string{"ORGSYNC_CONFIG": cfgDir},
				files:  map[string]string{},
				env:    map[string]string{"LOGTO_ENDPOINT": srv.URL, "LOGTO_APP_ID": srv.AppID, "LOGTO_APP_SECRET": srv.AppSecret, "NO_COLOR": "1"},
				byKind: byKind,
				ran:    ran,
			}
			for _, name := range ciFiles {
				r.files[name] = filepath.Join(work, name)
			}

			// A pull request: validate, format check, plan with changes.
			r.exec(kindValidate, exitOK)
			r.exec(kindFmtCheck, exitOK)
			r.exec(kindPlanPR, exitChanges)
			r.checkMarkdownPlan("plan.md")
			if _, err := os.Stat(r.files["plan.bin"]); err != nil {
				t.Fatalf("the pull-request plan saved no plan file: %v", err)
			}

			// The merge: the reviewed plan applies, and leaves nothing to do.
			r.exec(kindApplySaved, exitOK)
			r.checkImpact()
			r.exec(kindPlanDrift, exitOK)

			// Somebody edits a managed permission in the Console: drift.
			perm := cfg.Permissions[0].Name
			changeBehindOrgsync(t, ctx, client, perm, "changed in the Console")
			r.exec(kindPlanDrift, exitChanges)
			r.checkMarkdownPlan("drift.md")
			if md := r.read("drift.md"); !strings.Contains(md, perm) {
				t.Errorf("drift.md does not name the drifted permission %q:\n%s", perm, md)
			}

			// A pull request planned now, then the tenant moves again before
			// the merge: the saved plan is refused, the pipeline shows the
			// plan as it would be now, and only an opted-in unreviewed apply
			// converges.
			r.exec(kindPlanPR, exitChanges)
			changeBehindOrgsync(t, ctx, client, perm, "changed in the Console again")
			refused := r.exec(kindApplySaved, exitError)
			if !strings.Contains(refused.stderr, "stale") || !strings.Contains(refused.stderr, "Nothing was changed") {
				t.Errorf("the refusal of a stale plan does not say it is stale and changed nothing:\n%s", refused.stderr)
			}
			r.exec(kindPlanFresh, exitChanges)
			r.checkMarkdownPlan("fresh.md")
			if md := r.read("fresh.md"); !strings.Contains(md, perm) {
				t.Errorf("fresh.md does not show the change that made the plan stale (%q):\n%s", perm, md)
			}
			r.exec(kindApplyFresh, exitOK)
			r.checkImpact()
			r.exec(kindPlanDrift, exitOK)

			// A broken configuration on a pull request: the plan fails, and
			// plan.md (the comment) says so instead of keeping the last plan.
			broken := filepath.Join(cfgDir, "zz_broken.hcl")
			if err := os.WriteFile(broken, []byte("role \"oops\" {\n  permissions = [\"nope\"]\n}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r.exec(kindPlanPR, exitError)
			if md := r.read("plan.md"); !strings.HasPrefix(md, "**Plan failed**") || !strings.Contains(md, "zz_broken.hcl") {
				t.Errorf("plan.md after a failed plan:\n%s", md)
			}
			if err := os.Remove(broken); err != nil {
				t.Fatal(err)
			}
		})
	}

	if t.Failed() {
		return
	}
	if len(all) < ciMinCommands {
		t.Errorf("found %d orgsync command lines in examples/ci, want at least %d", len(all), ciMinCommands)
	}
	for _, c := range all {
		if ran[c] == 0 {
			t.Errorf("%s was never executed", c)
		}
	}
}
