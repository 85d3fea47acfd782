package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bi       *debug.BuildInfo
		override string
		want     buildDescription
	}{
		{"no build info", nil, "", buildDescription{version: "(devel)"}},
		{"release install", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "", buildDescription{version: "v1.2.3"}},
		{"install of a commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261121093000-0123456789ab"}}, "",
			buildDescription{version: "v0.0.0-20261121093000-0123456789ab", commit: "0123456789ab"}},
		{"build in a checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "deadbeef"}, {Key: "vcs.time", Value: "2026-11-21T09:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "", buildDescription{version: "(devel)", commit: "deadbeef", time: "2026-11-21T09:00:00Z", dirty: true}},
		{"link-time version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v9.9.9", buildDescription{version: "v9.9.9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeBuild(tc.bi, tc.override); got != tc.want {
				t.Errorf("describeBuild = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(&env{ctx: context.Background(), s: streams{Out: &out, Err: &errb}, getenv: func(string) string { return "" }}, []string{"version"})
	if code != exitOK || !strings.HasPrefix(out.String(), "orgsync ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
