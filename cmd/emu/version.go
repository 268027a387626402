package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// commit returns the VCS revision the binary was built from, when Go
// recorded it.
func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// versionString is what summary.json records.
func versionString() string { return version }

var versionCmd = &command{
	name:    "version",
	summary: "print emu's version, Go version and commit",
}

func init() {
	versionCmd.run = cmdVersion
}

func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

func stdoutIsTerminal() bool { return term.IsTerminal(int(os.Stdout.Fd())) }

// cmdVersion runs emu version.
func cmdVersion(e *env, args []string) error {
	fs := newFlags(e, versionCmd)
	if _, err := parseFlags(e, versionCmd, fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "emu %s\ngo %s %s/%s\ncommit %s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, commit())
	return nil
}
