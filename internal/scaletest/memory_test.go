package scaletest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/pkg/render"
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

// Plan and apply of memOrgs organizations (W1Scaled), issue 19's goals for
// the maximum resident set size of orgsync plan and orgsync apply.
const (
	memOrgs       = 5000
	planGoalRSSMB = 150
	applyGoalMB   = 200
)

// BenchmarkHeap5000 plans and applies W1Scaled(5000), loaded from HCL, in
// process against an emulator without latency, and reports the peak heap
// in use over the heap before the load (plan-heap-MB, apply-heap-MB). The
// emulator shares the heap: what it stores during apply is counted too, so
// BenchmarkRSS5000 is the figure to compare with the goals.
//
//	go test -run '^$' -bench 'Heap5000' -benchtime 1x ./internal/scaletest
func BenchmarkHeap5000(b *testing.B) {
	cfg := W1Scaled(memOrgs)
	dir := writeW1Dir(b, cfg)
	for b.Loop() {
		b.StopTimer()
		tn := StartEmulator(b, 0)
		seededTenant(b, cfg, tn, false)
		c, _ := freshClient(b, tn)
		base := heapInuse()
		h := sampleHeap()
		b.StartTimer()
		if _, _, err := Plan(context.Background(), c, loadDir(b, dir), planParallelism); err != nil {
			b.Fatal(err)
		}
		plan := h.Stop()
		b.StopTimer()
		base2 := heapInuse()
		h = sampleHeap()
		b.StartTimer()
		if _, _, err := Apply(context.Background(), c, loadDir(b, dir), planParallelism); err != nil {
			b.Fatal(err)
		}
		apply := h.Stop()
		b.ReportMetric(float64(plan-min(plan, base))/(1<<20), "plan-heap-MB")
		b.ReportMetric(float64(apply-min(apply, base2))/(1<<20), "apply-heap-MB")
	}
}

// BenchmarkRSS5000 measures the maximum resident set size of the orgsync
// binary (built from ./cmd/orgsync) running plan, then apply -auto-approve,
// then plan again (the tenant now matches), of W1Scaled(5000) against
// orgsync emulator in a separate process, so that the emulator's memory is
// not counted. The figures come from the rusage of each child process
// (ru_maxrss). Linux counts in a child's ru_maxrss the peak of the process
// that started it (the child runs in its memory until exec), so this
// process stays small: the configuration is written by a child
// (TestWriteHCLHelper), and launcher-maxrss-MB, this process's own peak,
// is the floor under the figures. Run it alone, not after benchmarks that
// grow this process. ORGSYNC_BIN, when set, is the binary to measure
// instead (e.g. one built from an earlier commit).
//
//	go test -run '^$' -bench 'RSS5000' -benchtime 1x -timeout 30m ./internal/scaletest
func BenchmarkRSS5000(b *testing.B) {
	bin := os.Getenv("ORGSYNC_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "orgsync")
		build := exec.Command("go", "build", "-o", bin, "../../cmd/orgsync")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	dir := b.TempDir()
	gen := exec.Command(os.Args[0], "-test.run=^TestWriteHCLHelper$", "-test.count=1")
	gen.Env = append(os.Environ(), "ORGSYNC_W1_DIR="+dir, "ORGSYNC_W1_ORGS="+strconv.Itoa(memOrgs))
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("writing the configuration: %v\n%s", err, out)
	}
	for b.Loop() {
		b.StopTimer()
		var self syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(self.Maxrss)/1024, "launcher-maxrss-MB")
		env := startEmulatorProcess(b, bin, dir)
		b.StartTimer()
		plan := maxRSS(b, bin, env, "plan", "-c", dir, "-parallelism", "8")
		apply := maxRSS(b, bin, env, "apply", "-auto-approve", "-c", dir, "-parallelism", "8")
		matching := maxRSS(b, bin, env, "plan", "-c", dir, "-parallelism", "8")
		b.ReportMetric(plan, "plan-maxrss-MB")
		b.ReportMetric(plan/planGoalRSSMB, "plan-rss/goal")
		b.ReportMetric(apply, "apply-maxrss-MB")
		b.ReportMetric(apply/applyGoalMB, "apply-rss/goal")
		b.ReportMetric(matching, "matching-plan-maxrss-MB")
	}
}

// TestWriteHCLHelper writes W1Scaled(ORGSYNC_W1_ORGS) as HCL into
// ORGSYNC_W1_DIR, for BenchmarkRSS5000 (in a process of its own); without
// them it does nothing.
func TestWriteHCLHelper(t *testing.T) {
	dir := os.Getenv("ORGSYNC_W1_DIR")
	if dir == "" {
		t.Skip("run by BenchmarkRSS5000")
	}
	n, err := strconv.Atoi(os.Getenv("ORGSYNC_W1_ORGS"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHCL(dir, W1Scaled(n)); err != nil {
		t.Fatal(err)
	}
}

// startEmulatorProcess runs bin emulator seeded with what dir refers to and
// returns the environment that points orgsync at it. The emulator stops
// when b ends.
func startEmulatorProcess(b *testing.B, bin, dir string) []string {
	b.Helper()
	cmd := exec.Command(bin, "emulator", "-addr", "127.0.0.1:0", "-seed", "1", "-seed-config", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	env := os.Environ()
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		log.WriteString(line + "\n")
		if v, ok := strings.CutPrefix(line, "export "); ok {
			env = append(env, v)
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return env
		}
	}
	b.Fatalf("the emulator stopped before it was ready:\n%s", log.String())
	return nil
}

// maxRSS runs bin with args and returns its maximum resident set size in MB.
func maxRSS(b *testing.B, bin string, env []string, args ...string) float64 {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("orgsync %s: %v\n%s", args[0], err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this platform")
	}
	return float64(ru.Maxrss) / 1024 // Linux reports kilobytes
}

// profilePath is the file name the heap-profile benchmarks write to: the
// environment variable env, or name in the temporary directory.
func profilePath(b *testing.B, env, name string) string {
	out := os.Getenv(env)
	if out == "" {
		out = filepath.Join(os.TempDir(), name)
	}
	b.Logf("heap profiles: %s*", out)
	return out
}

// BenchmarkPlanHeapProfile plans W1Scaled(5000) in process and renders it
// as text, and writes the heap in use at the peak of planning (.peak), of
// rendering (.render) and while the plan is still held to
// ORGSYNC_HEAP_PROFILE (default orgsync-plan-heap in the temporary
// directory), for go tool pprof -sample_index=inuse_space.
// ORGSYNC_HEAP_MATCHING=1 plans a tenant that already matches.
//
//	go test -run '^$' -bench 'PlanHeapProfile' -benchtime 1x ./internal/scaletest
func BenchmarkPlanHeapProfile(b *testing.B) {
	out := profilePath(b, "ORGSYNC_HEAP_PROFILE", "orgsync-plan-heap")
	for b.Loop() {
		profilePlanHeap(b, out)
	}
}

func profilePlanHeap(t testing.TB, out string) {
	cfg := W1Scaled(memOrgs)
	dir := writeW1Dir(t, cfg)
	tn := StartEmulator(t, 0)
	seededTenant(t, cfg, tn, os.Getenv("ORGSYNC_HEAP_MATCHING") != "")
	c, _ := freshClient(t, tn)
	stop := peakHeapProfile(t, out+".peak")
	live, p, err := Plan(context.Background(), c, loadDir(t, dir), planParallelism)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	stop = peakHeapProfile(t, out+".render")
	err = render.Text(io.Discard, p, render.Style{})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(live)
	runtime.KeepAlive(p)
}

// BenchmarkApplyHeapProfile applies W1Scaled(5000) in process and writes
// heap profiles before and after the apply to ORGSYNC_APPLY_PROFILE.before
// and .after (default orgsync-apply-heap in the temporary directory; for go
// tool pprof -sample_index=alloc_space -base), and at its peak to .peak.
//
//	go test -run '^$' -bench 'ApplyHeapProfile' -benchtime 1x ./internal/scaletest
func BenchmarkApplyHeapProfile(b *testing.B) {
	out := profilePath(b, "ORGSYNC_APPLY_PROFILE", "orgsync-apply-heap")
	for b.Loop() {
		profileApplyHeap(b, out)
	}
}

func profileApplyHeap(t testing.TB, out string) {
	cfg := W1Scaled(memOrgs)
	dir := writeW1Dir(t, cfg)
	tn := StartEmulator(t, 0)
	seededTenant(t, cfg, tn, false)
	c, _ := freshClient(t, tn)
	write := func(name string) {
		runtime.GC()
		f, err := os.Create(out + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
	}
	write(".before")
	stop := peakHeapProfile(t, out+".peak")
	_, _, err := Apply(context.Background(), c, loadDir(t, dir), planParallelism)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	write(".after")
}

// peakHeapProfile writes, until stop is called, the heap profile to path
// whenever the heap live after the last collection is the largest seen.
func peakHeapProfile(t testing.TB, path string) (stop func()) {
	runtime.GC() // what was let go before is not counted
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak {
				peak = v
				f, err := os.Create(path)
				if err != nil {
					t.Error(err)
					return
				}
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done); <-finished }
}
