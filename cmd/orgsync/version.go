package main

import (
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3"; the
// module version from the build info is used otherwise.
var version = ""

func runVersion(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: orgsync version")
		fmt.Fprintln(fs.Output(), "\nPrint the version, the commit it was built from and the Go version.")
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "orgsync version: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	bi, _ := debug.ReadBuildInfo()
	b := describeBuild(bi, version)
	fmt.Fprintf(e.s.Out, "orgsync %s\n", b.version)
	if b.commit != "" {
		line := "commit " + b.commit
		if b.dirty {
			line += " (modified)"
		}
		if b.time != "" {
			line += " " + b.time
		}
		fmt.Fprintln(e.s.Out, line)
	}
	fmt.Fprintf(e.s.Out, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// currentVersion is the version this binary reports.
func currentVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(bi, version).version
}

type buildDescription struct {
	version, commit, time string
	dirty                 bool
}

// pseudoVersion matches the commit part of a Go pseudo-version, e.g.
// v0.0.0-20261121093000-0123456789ab, which `go install module@commit` records.
var pseudoVersion = regexp.MustCompile(`-(\d{14})-([0-9a-f]{12})(\+incompatible)?$`)

// describeBuild says what ran: the version (link-time override, else the
// module version, else "(devel)") and the commit, from the VCS stamp of a
// build in a checkout or from the pseudo-version of a `go install`.
func describeBuild(bi *debug.BuildInfo, override string) buildDescription {
	d := buildDescription{version: override}
	if bi != nil {
		if d.version == "" {
			d.version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				d.commit = s.Value
			case "vcs.time":
				d.time = s.Value
			case "vcs.modified":
				d.dirty = s.Value == "true"
			}
		}
		if d.commit == "" {
			if m := pseudoVersion.FindStringSubmatch(bi.Main.Version); m != nil {
				d.commit = m[2]
			}
		}
	}
	if d.version == "" {
		d.version = "(devel)"
	}
	return d
}
