package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/emu-sim/emu/scenarios"
	"io"
	"regexp"
	"strings"
)

// errHelpShown means -h printed the usage; the command exits 0.
var errHelpShown = errors.New("help shown")

// stringList is a repeatable flag, such as --set.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// newFlags returns a flag set for c that reports errors instead of exiting.
func newFlags(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("emu "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	e.flags = fs
	return fs
}

// parseFlags parses args with flags and positional arguments in any order
// (`emu run FILE --runs 10` and `emu run --runs 10 FILE` both work). It
// prints the command's usage for -h.
func parseFlags(e *env, c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandUsage(e.stdout, c)
				printDefaults(e.stdout, fs)
				return nil, errHelpShown
			}
			return nil, badInput("emu %s: %s (run 'emu help %s' for its flags)", c.name, flagError(fs, err), c.name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagInMessage is a flag as the flag package names it in its errors
// ("-runs"), after "flag ", "for " or ": ".
var flagInMessage = regexp.MustCompile(`(flag |for |: )-([A-Za-z][A-Za-z0-9-]*)`)

// longFlags rewrites the flag package's "-runs" as "--runs", the form emu's
// usage and documentation use (both work).
func longFlags(msg string) string {
	return flagInMessage.ReplaceAllString(msg, "$1--$2")
}

var badFlagValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-([A-Za-z][A-Za-z0-9-]*): `)

// flagError words a flag error as emu's other messages are: the flag as
// --flag, and for a bad value what the flag takes rather than the flag
// package's "parse error".
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := badFlagValue.FindStringSubmatch(msg); m != nil {
		if f := fs.Lookup(m[2]); f != nil {
			want := ""
			switch t := fmt.Sprintf("%T", f.Value); {
			case strings.Contains(t, "uint"):
				want = "a whole number, 0 or more"
			case strings.Contains(t, "int"):
				want = "a whole number"
			case strings.Contains(t, "bool"):
				want = "true or false"
			}
			if want != "" {
				return fmt.Sprintf("--%s: %q is not %s", m[2], m[1], want)
			}
		}
	}
	return longFlags(msg)
}

func printDefaults(w io.Writer, fs *flag.FlagSet) {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%-22s %s\n", line, usage)
	})
}

// checkRuns checks a --runs flag of emu CMD: given, it must lie in the range
// a scenario's runs: has (0 when not given means the scenario's own).
func checkRuns(cmd string, runs int, given bool) error {
	if runs < 0 || given && runs == 0 {
		return badInput("emu %s: --runs must be a positive number", cmd)
	}
	if runs > scenarios.MaxRuns {
		return badInput("emu %s: --runs %d is out of range (1 to %d, as for runs: in a file)", cmd, runs, scenarios.MaxRuns)
	}
	return nil
}
