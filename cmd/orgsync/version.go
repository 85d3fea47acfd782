package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
)

// Set at link time by release builds (.goreleaser.yaml), e.g.
// -ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.commitTime=2026-11-21T09:00:00Z".
// Unset, they come from the build info: the module version and the VCS stamp
// or pseudo-version.
var (
	version    = ""
	commit     = ""
	commitTime = ""
)

// versionJSON is what `orgsync version -json` prints. Fields are only added,
// never renamed (see "Versions and compatibility" in the README).
type versionJSON struct {
	Version    string  `json:"version"`
	Commit     *string `json:"commit"`      // null when unknown
	CommitTime *string `json:"commit_time"` // RFC 3339; null when unknown
	Modified   bool    `json:"modified"`    // built from a checkout with uncommitted changes
	GoVersion  string  `json:"go_version"`
	OS         string  `json:"os"`
	Arch       string  `json:"arch"`
}

func runVersion(e *env, args []string) exitCode {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(e.s.Err)
	asJSON := fs.Bool("json", false, "print version, commit, Go version, OS and architecture as JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: orgsync version [-json]")
		fmt.Fprintln(fs.Output(), "\nPrint the version of orgsync and what it was built from.")
		fmt.Fprintln(fs.Output())
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.s.Err, "orgsync version: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	bi, _ := debug.ReadBuildInfo()
	b := describeBuild(bi, buildDescription{version: version, commit: commit, time: commitTime})

	if *asJSON {
		out := versionJSON{Version: b.version, Modified: b.dirty, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
		if b.commit != "" {
			out.Commit = &b.commit
		}
		if b.time != "" {
			out.CommitTime = &b.time
		}
		enc := json.NewEncoder(e.s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(e.s.Err, "orgsync version: write JSON: %v\n", err)
			return exitError
		}
		return exitOK
	}

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
	return describeBuild(bi, buildDescription{version: version, commit: commit, time: commitTime}).version
}

type buildDescription struct {
	version, commit, time string
	dirty                 bool
}

// pseudoVersion matches the commit part of a Go pseudo-version, e.g.
// v0.0.0-20261121093000-0123456789ab, which `go install module@commit` records.
var pseudoVersion = regexp.MustCompile(`-(\d{14})-([0-9a-f]{12})(\+incompatible)?$`)

// describeBuild says what ran. Each of version, commit and commit time is the
// link-time stamp when there is one; otherwise the version is the module
// version (else "(devel)") and the commit and time come from the VCS stamp of
// a build in a checkout, or the commit from the pseudo-version of a
// `go install`. Modified comes from the VCS stamp only.
func describeBuild(bi *debug.BuildInfo, stamped buildDescription) buildDescription {
	d := buildDescription{version: stamped.version, commit: stamped.commit, time: stamped.time}
	if bi != nil {
		if d.version == "" {
			d.version = bi.Main.Version
		}
		var vcsCommit, vcsTime string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsCommit = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				d.dirty = s.Value == "true"
			}
		}
		if d.commit == "" {
			d.commit = vcsCommit
			if d.commit == "" {
				if m := pseudoVersion.FindStringSubmatch(bi.Main.Version); m != nil {
					d.commit = m[2]
				}
			}
		}
		if d.time == "" {
			d.time = vcsTime
		}
	}
	if d.version == "" {
		d.version = "(devel)"
	}
	return d
}
