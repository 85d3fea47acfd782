package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/orgsync/orgsync/examples"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
	"github.com/orgsync/orgsync/pkg/seed"
	"github.com/orgsync/orgsync/pkg/spec"
	"github.com/orgsync/orgsync/pkg/state"
)

func runDemo(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	dir := fs.String("c", "", "configuration `DIR`ectory to demo (default: the built-in copy of examples/saas)")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: orgsync demo [-c DIR]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Start the built-in emulator in-process, create the users and applications the")
		fmt.Fprintln(w, "configuration refers to, then plan, apply and plan again (no changes).")
		fmt.Fprintln(w)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "Error: unexpected argument %q (the configuration directory is given with -c)\n", fs.Arg(0))
		return exitError
	}
	if err := demo(e, *dir); err != nil {
		printErr(e, err)
		return exitError
	}
	return exitOK
}

func demo(e *env, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "orgsync-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := copyFS(examples.SaaS, "saas", tmp); err != nil {
			return err
		}
		dir = tmp
	}
	// Decode the configuration first: the demo creates the users,
	// applications and API resources it refers to.
	res, diags := spec.Load(spec.Input{Dir: dir, Getenv: e.getenv})
	if diags.HasErrors() {
		_ = spec.WriteDiagnostics(e.s.Err, res.Files, diags, false)
		return errReported
	}

	emu, err := emulator.New(emulator.Options{Logger: zerolog.Nop()})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	endpoint := "http://" + ln.Addr().String()
	vars := map[string]string{
		"LOGTO_ENDPOINT":   endpoint,
		"LOGTO_APP_ID":     emu.AppID(),
		"LOGTO_APP_SECRET": emu.AppSecret(),
		"LOGTO_RESOURCE":   "",
	}
	de := &env{ctx: e.ctx, s: e.s, getenv: func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return e.getenv(k)
	}}

	say := func(format string, a ...any) { fmt.Fprintf(e.s.Out, "\n==> "+format+"\n", a...) }
	say("Started the built-in Logto emulator at %s", endpoint)
	c, err := logto.New(logto.Config{Endpoint: endpoint, AppID: emu.AppID(), AppSecret: emu.AppSecret()})
	if err != nil {
		return err
	}
	seeded, err := seedFor(e.ctx, c, res.Config)
	if err != nil {
		return fmt.Errorf("seeding the emulator: %w", err)
	}
	say("Created what the configuration refers to but orgsync does not manage: %s", strings.Join(seeded, ", "))

	say("orgsync plan -c %s", dir)
	if code := runPlan(de, []string{"-c", dir}); code != exitOK {
		return errors.New("the first plan failed")
	}
	say("orgsync apply -auto-approve -c %s", dir)
	if code := runApply(de, []string{"-auto-approve", "-c", dir}); code != exitOK {
		return errors.New("apply failed")
	}
	say("orgsync plan -detailed-exitcode -c %s   (the tenant now matches: expect no changes)", dir)
	switch code := runPlan(de, []string{"-detailed-exitcode", "-c", dir}); code {
	case exitOK:
	case exitChanges:
		return errors.New("the plan after apply still has changes")
	default:
		return errors.New("the second plan failed")
	}
	fmt.Fprintf(e.s.Out, `
==> Done. To run the same commands against a real tenant:

    export LOGTO_ENDPOINT=https://<tenant-id>.logto.app
    export LOGTO_APP_ID=<machine-to-machine app id>      # with the "Logto Management API access" role
    export LOGTO_APP_SECRET=<its secret>
    orgsync plan -c examples/saas

  Or keep an emulator running for experiments:
    orgsync emulator -state emulator.json -seed-config examples/saas
`)
	return nil
}

// seedFor creates, in an empty emulator, the users, applications and API
// resources that cfg refers to, and one organization orgsync does not manage.
func seedFor(ctx context.Context, c *logto.Client, cfg *state.Config) ([]string, error) {
	if err := seed.Referenced(ctx, c, cfg); err != nil {
		return nil, err
	}
	if _, err := c.CreateOrganization(ctx, logto.CreateOrganization{Name: "Created in the Console"}); err != nil {
		return nil, err
	}
	return []string{seed.Summarize(cfg).String(), `organization "Created in the Console"`}, nil
}

func copyFS(src fs.FS, root, dst string) error {
	return fs.WalkDir(src, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, filepath.Base(path)), b, 0o644)
	})
}
