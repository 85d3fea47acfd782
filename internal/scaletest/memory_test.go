package scaletest

import (
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/pkg/spec"
	"github.com/orgsync/orgsync/pkg/state"
)

// Memory benchmarks (issue 19):
//
//	go test -run '^$' -bench 'LoadW1' -benchtime 5x ./internal/scaletest
//
// Load goals for the W1 configuration: under 0.25 s and 100 MB allocated.
const (
	loadGoalSeconds = 0.25
	loadGoalMB      = 100
)

// writeW1Dir writes cfg as HCL into a new temporary directory.
func writeW1Dir(tb testing.TB, cfg *state.Config) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := WriteHCL(dir, cfg); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// loadDir loads dir as orgsync plan does.
func loadDir(tb testing.TB, dir string) *state.Config {
	tb.Helper()
	res, diags := spec.Load(spec.Input{Dir: dir, Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		tb.Fatalf("loading %s: %v", dir, diags)
	}
	return res.Config
}

func TestWriteHCLRoundTrip(t *testing.T) {
	want := W1Scaled(1050)
	got := loadDir(t, writeW1Dir(t, want))
	ignorePos := cmp.Options{
		cmpopts.IgnoreFields(state.Permission{}, "Pos"),
		cmpopts.IgnoreFields(state.Role{}, "Pos"),
		cmpopts.IgnoreFields(state.Organization{}, "Pos"),
		cmpopts.IgnoreFields(state.Member{}, "Pos"),
		cmpopts.IgnoreFields(state.Application{}, "Pos"),
	}
	if d := cmp.Diff(want, got, ignorePos); d != "" {
		t.Fatalf("loaded configuration differs from the one written (-written +loaded):\n%s", d)
	}
}

// BenchmarkLoadW1 loads the W1 configuration written as HCL through
// spec.Load, the entry point of orgsync plan.
func BenchmarkLoadW1(b *testing.B) {
	dir := writeW1Dir(b, W1())
	b.ReportAllocs()
	var cfg *state.Config
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n := 0
	for b.Loop() {
		cfg = loadDir(b, dir)
		n++
	}
	per := time.Since(start).Seconds() / float64(n)
	runtime.ReadMemStats(&after)
	mb := float64(after.TotalAlloc-before.TotalAlloc) / float64(n) / (1 << 20)
	if len(cfg.Organizations) != W1Organizations {
		b.Fatalf("loaded %d organizations, want %d", len(cfg.Organizations), W1Organizations)
	}
	b.ReportMetric(mb, "MB-allocated")
	b.ReportMetric(mb/loadGoalMB, "MB/goal")
	b.ReportMetric(per/loadGoalSeconds, "time/goal")
}
