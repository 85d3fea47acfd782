package main

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	checkout := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "deadbeef"}, {Key: "vcs.time", Value: "2026-11-21T09:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name    string
		bi      *debug.BuildInfo
		stamped buildDescription
		want    buildDescription
	}{
		{"no build info", nil, buildDescription{}, buildDescription{version: "(devel)"}},
		{"release install", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, buildDescription{}, buildDescription{version: "v1.2.3"}},
		{"install of a commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261121093000-0123456789ab"}}, buildDescription{},
			buildDescription{version: "v0.0.0-20261121093000-0123456789ab", commit: "0123456789ab"}},
		{"build in a checkout", checkout, buildDescription{},
			buildDescription{version: "(devel)", commit: "deadbeef", time: "2026-11-21T09:00:00Z", dirty: true}},
		{"link-time version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, buildDescription{version: "v9.9.9"}, buildDescription{version: "v9.9.9"}},
		{"release build: every stamp wins over the build info", checkout,
			buildDescription{version: "v1.2.3", commit: "0123456789abcdef", time: "2026-12-01T10:00:00Z"},
			buildDescription{version: "v1.2.3", commit: "0123456789abcdef", time: "2026-12-01T10:00:00Z", dirty: true}},
		{"stamped commit, time from the VCS stamp", checkout, buildDescription{commit: "0123456789abcdef"},
			buildDescription{version: "(devel)", commit: "0123456789abcdef", time: "2026-11-21T09:00:00Z", dirty: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeBuild(tc.bi, tc.stamped); got != tc.want {
				t.Errorf("describeBuild = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func runVersionCommand(t *testing.T, args ...string) (exitCode, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&env{ctx: context.Background(), s: streams{Out: &out, Err: &errb}, getenv: func(string) string { return "" }}, append([]string{"version"}, args...))
	return code, out.String(), errb.String()
}

func TestVersionCommand(t *testing.T) {
	code, out, errs := runVersionCommand(t)
	if code != exitOK || !strings.HasPrefix(out, "orgsync ") || !strings.Contains(out, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := runVersionCommand(t, "extra"); code != exitError || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d, stderr %q", code, errs)
	}
}

func TestVersionJSON(t *testing.T) {
	for _, v := range []*string{&version, &commit, &commitTime} {
		old := *v
		t.Cleanup(func() { *v = old })
	}
	version, commit, commitTime = "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z"

	code, out, errs := runVersionCommand(t, "-json")
	if code != exitOK {
		t.Fatalf("version -json: exit %d, stderr %q", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("version -json is not JSON: %v\n%s", err, out)
	}
	want := map[string]any{
		"version": "v1.2.3", "commit": commit, "commit_time": "2026-12-01T10:00:00Z", "modified": false,
		"go_version": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH,
	}
	if len(got) != len(want) {
		t.Errorf("version -json keys: got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("version -json %s = %#v, want %#v", k, got[k], w)
		}
	}

	// Without stamps (go test sets no VCS info), commit and time are null, not "".
	version, commit, commitTime = "", "", ""
	_, out, _ = runVersionCommand(t, "-json")
	if !strings.Contains(out, `"commit": null`) || !strings.Contains(out, `"commit_time": null`) {
		t.Errorf("version -json without a commit:\n%s", out)
	}
}
