// Command emu is a deterministic discrete-event network emulator for one
// question: how do TCP connections end, and why?
//
// Run `emu help` for the commands; docs/scenarios.md, docs/outputs.md and
// docs/close-types.md describe the files it reads and writes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/results"
)

// command is one subcommand of emu.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	help    string // longer text with examples
	run     func(env *env, args []string) error
}

// env is what a command needs from the outside world; tests replace it.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	isTerminal     bool          // stderr is a terminal: progress bars and questions
	colour         bool          // stdout is a terminal and NO_COLOR is unset: ANSI colours
	flags          *flag.FlagSet // the last flag set a command made (for completion and the man page)
}

// inputError is bad input from the user: a flag, a file, a value. It exits 2.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, a ...any) error { return &inputError{fmt.Sprintf(format, a...)} }

// exitError carries its own exit status, such as 130 for an interrupted run.
type exitError struct {
	msg  string
	code int
}

func (e *exitError) Error() string { return e.msg }

// exitCode maps an error to the contract's exit status: 2 for bad input,
// 130 for an interrupted run (as shells expect after SIGINT), 1 for anything
// else.
func exitCode(err error) int {
	var in *inputError
	if errors.As(err, &in) {
		return 2
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	if errors.Is(err, results.ErrUnusablePath) || errors.Is(err, runner.ErrBusy) {
		return 2
	}
	return 1
}

var commands []*command

func init() {
	commands = []*command{runCmd, traceCmd, validateCmd, schemaCmd, listCmd, showCmd, showProfileCmd, plotCmd, mergeCmd, packetdrillCmd, classifyCmd, kernelCmd, compareCmd, completionCmd, manCmd, versionCmd}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func main() {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, isTerminal: stderrIsTerminal(),
		colour: stdoutIsTerminal() && os.Getenv("NO_COLOR") == ""}
	setupLog(os.Stderr)
	os.Exit(Main(e, os.Args[1:]))
}

// Main runs emu with args and returns the exit status.
func Main(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			if c := findCommand(args[1]); c != nil {
				// The command's own -h prints its flags too, which only
				// the command knows.
				if err := c.run(e, []string{"-h"}); !errors.Is(err, errHelpShown) {
					commandUsage(e.stdout, c)
				}
				return 0
			}
			fmt.Fprintf(e.stderr, "emu: no command %q\n", args[1])
			return 2
		}
		usage(e.stdout)
		return 0
	case "--version", "-version":
		name = "version"
	}
	c := findCommand(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "emu: unknown command %q (run 'emu help' for the list)\n", name)
		return 2
	}
	// "-" as an output path writes to this command's standard output.
	defer func(w io.Writer) { results.Stdout = w }(results.Stdout)
	results.Stdout = e.stdout
	err := c.run(e, args[1:])
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelpShown) {
		return 0
	}
	msg := escapeControls(err.Error())
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	if exitCode(err) == 2 && !strings.Contains(msg, ":") {
		msg = "emu " + c.name + ": " + msg
	}
	fmt.Fprint(e.stderr, msg)
	return exitCode(err)
}

// escapeControls escapes the control characters of a message (but its line
// breaks) as \xNN: a value from the command line or a file quoted in it
// must not drive the terminal.
func escapeControls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r == utf8.RuneError && n == 1)) {
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func usage(w io.Writer) {
	fmt.Fprint(w, `emu — how do TCP connections end, and why?

Usage: emu COMMAND [ARGS]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  emu list                                    # the built-in example scenarios
  emu run delayed-ack-boundary                # run one, print its close-type table
  emu trace delayed-ack-boundary --point 10   # a ladder diagram of one run
  emu show half-close > mine.yaml             # start your own scenario from an example
  emu run mine.yaml --set link.loss=0.05 --runs 1000 --out results/
  emu schema > emu-scenario.schema.json       # for editors: see docs/scenarios.md

Run 'emu help COMMAND' or 'emu COMMAND -h' for a command's flags.
`)
}

func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("emu "+c.name+" "+c.args), c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s", c.help)
	}
}
