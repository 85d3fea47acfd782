package main

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/internal/emulatortest"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		in         string
		rps, burst float64
		adaptive   bool
	}{
		{in: "auto"},
		{in: "AUTO"},
		{in: "adaptive", adaptive: true},
		{in: "0", rps: -1},
		{in: "unlimited", rps: -1},
		{in: "10", rps: 10},
		{in: "2.5", rps: 2.5},
		{in: "200/10s", rps: 20, burst: 200},
		{in: "20/s", rps: 20, burst: 20},
		{in: "600/m", rps: 10, burst: 600},
		{in: "30/1m30s", rps: 30.0 / 90, burst: 30},
	}
	for _, tt := range tests {
		got, err := parseRateLimit(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got.rps != tt.rps || got.burst != tt.burst || got.adaptive != tt.adaptive {
			t.Errorf("%q: rps %v burst %v adaptive %v, want %v %v %v", tt.in, got.rps, got.burst, got.adaptive, tt.rps, tt.burst, tt.adaptive)
		}
	}
	for _, bad := range []string{"", "-1", "fast", "10/", "10/0s", "10/-1s", "0/10s", "0.5/10s", "/10s", "NaN", "Inf", "1e9", "10/10"} {
		if _, err := parseRateLimit(bad); err == nil || err.Error() != rateLimitHelp {
			t.Errorf("%q: error %v, want %q", bad, err, rateLimitHelp)
		}
	}
}

// TestRateLimitFlagRefused: a bad -rate-limit, or ORGSYNC_RATE_LIMIT, is
// refused before anything is sent to Logto: exit 1 and what to write.
func TestRateLimitFlagRefused(t *testing.T) {
	s := emulatortest.Start(t, emulator.Options{})
	vars := map[string]string{"LOGTO_ENDPOINT": s.URL, "LOGTO_APP_ID": s.AppID, "LOGTO_APP_SECRET": s.AppSecret}
	for _, args := range [][]string{
		{"plan", "-c", "../../examples/saas"},
		{"apply", "-c", "../../examples/saas", "-auto-approve"},
		{"export", "-o", t.TempDir()},
		{"state", "list"},
		{"force-unlock", "-force", "some-lock"},
	} {
		args := append(args, "-rate-limit", "fast")
		code, out, errOut := runCmd(t, vars, args...)
		want := `invalid value "fast" for flag -rate-limit: ` + rateLimitHelp
		if code != exitError || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	env := map[string]string{rateLimitEnv: "fast"}
	for k, v := range vars {
		env[k] = v
	}
	code, out, errOut := runCmd(t, env, "plan", "-c", "../../examples/saas")
	want := rateLimitEnv + `="fast": ` + rateLimitHelp
	if code != exitError || out != "" || !strings.Contains(errOut, want) {
		t.Errorf("%s=fast: exit %d, stdout %q, stderr:\n%s", rateLimitEnv, code, out, errOut)
	}
	if n := s.E.Requests(); n != 0 {
		t.Errorf("%d requests reached Logto", n)
	}
}

// TestRateLimitReachesClient: the budget the client runs with, as its debug
// log says, for the flag, the variable (the flag wins) and the default.
func TestRateLimitReachesClient(t *testing.T) {
	s := emulatortest.Start(t, emulator.Options{})
	dir := writeFiles(t, map[string]string{"main.hcl": `permission "read:x" {}` + "\n"})
	base := map[string]string{"LOGTO_ENDPOINT": s.URL, "LOGTO_APP_ID": s.AppID, "LOGTO_APP_SECRET": s.AppSecret}
	tests := []struct {
		name string
		env  string // ORGSYNC_RATE_LIMIT
		args []string
		want string
	}{
		{name: "default on loopback", want: `"rate_budget":"unlimited"`},
		{name: "per second", args: []string{"-rate-limit", "5"}, want: `"rate_budget":"requested","requests_per_second":5,"burst":3.75`},
		{name: "bucket", args: []string{"-rate-limit", "200/10s"}, want: `"rate_budget":"requested","requests_per_second":20,"burst":195`},
		{name: "adaptive", args: []string{"-rate-limit", "adaptive"}, want: `"rate_budget":"adaptive"`},
		{name: "unlimited", args: []string{"-rate-limit=0"}, want: `"rate_budget":"unlimited"`},
		{name: "variable", env: "8", want: `"rate_budget":"requested","requests_per_second":8,`},
		{name: "flag over variable", env: "8", args: []string{"-rate-limit", "unlimited"}, want: `"rate_budget":"unlimited"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{rateLimitEnv: tt.env}
			for k, v := range base {
				vars[k] = v
			}
			args := append([]string{"plan", "-c", dir, "-log-level", "debug", "-log-format", "json"}, tt.args...)
			// Debug lines come from concurrent requests: a buffer safe for that.
			var out, errb e2eBuffer
			code := run(&env{
				ctx:    context.Background(),
				s:      streams{In: strings.NewReader(""), Out: &out, Err: &errb},
				getenv: func(k string) string { return vars[k] },
			}, args)
			errOut := errb.String()
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr lacks %s:\n%s", tt.want, firstLines(errOut, 5))
			}
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func TestEmulatorRateLimitFlag(t *testing.T) {
	tests := []struct {
		in        string
		on        bool
		capacity  int
		perSecond float64
	}{
		{in: "true", on: true},
		{in: "false"},
		{in: "0"},
		{in: "1", on: true, capacity: 1, perSecond: 1},
		{in: "20/2s", on: true, capacity: 20, perSecond: 10},
		{in: "5", on: true, capacity: 5, perSecond: 5},
	}
	for _, tt := range tests {
		var l serverLimit
		if err := l.Set(tt.in); err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if l.on != tt.on || l.capacity != tt.capacity || l.perSecond != tt.perSecond {
			t.Errorf("%q: %+v, want on %v capacity %d per second %v", tt.in, l, tt.on, tt.capacity, tt.perSecond)
		}
	}
	for _, bad := range []string{"adaptive", "unlimited", "auto", "fast", "-3"} {
		var l serverLimit
		if err := l.Set(bad); err == nil {
			t.Errorf("%q accepted: %+v", bad, l)
		}
	}
}
