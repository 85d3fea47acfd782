package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3"; the
// module version from the build info is used otherwise.
var version = ""

func runVersion(e *env, args []string) exitCode {
	v, commit, when, dirty := buildInfo()
	fmt.Fprintf(e.s.Out, "orgsync %s\n", v)
	if commit != "" {
		d := ""
		if dirty {
			d = " (modified)"
		}
		fmt.Fprintf(e.s.Out, "commit %s%s %s\n", commit, d, when)
	}
	fmt.Fprintf(e.s.Out, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

func buildInfo() (v, commit, when string, dirty bool) {
	v = version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if v == "" {
			v = "(devel)"
		}
		return v, "", "", false
	}
	if v == "" {
		v = bi.Main.Version
		if v == "" {
			v = "(devel)"
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return v, commit, when, dirty
}
