package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/emu-sim/emu/scenarios"
)

var validateCmd = &command{
	name:    "validate",
	args:    "FILE.yaml|NAME|- ...",
	summary: "check scenario files without running them",
	help: `Prints "FILE: ok" for each good file. Each problem is printed as
file:line:col: message; the exit status is then 2.

Examples:
  emu validate mine.yaml
  emu show half-close | emu validate -
`,
}

var listCmd = &command{
	name:    "list",
	summary: "list the built-in example scenarios",
	help: `Each example teaches one way a connection ends. Run one with 'emu run NAME',
draw one run with 'emu trace NAME', or copy it with 'emu show NAME > mine.yaml'.
`,
}

var showCmd = &command{
	name:    "show",
	args:    "NAME",
	summary: "print a built-in example scenario as YAML that run accepts",
	help: `Example:
  emu show delayed-ack-boundary > mine.yaml
`,
}

func init() {
	validateCmd.run = cmdValidate
	listCmd.run = cmdList
	showCmd.run = cmdShow
}

// loadScenario loads a file, "-" for standard input, or a built-in name.
// Errors in the file are input errors (exit 2) listing every problem.
func loadScenario(e *env, name string) (*scenarios.Scenario, error) {
	b, file, err := readScenario(e, name)
	if err != nil {
		return nil, err
	}
	s, err := scenarios.Load(file, b)
	if err != nil {
		return nil, &inputError{msg: err.Error()}
	}
	return s, nil
}

// cmdValidate runs emu validate.
func cmdValidate(e *env, args []string) error {
	fs := newFlags(e, validateCmd)
	pos, err := parseFlags(e, validateCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badInput("emu validate: name at least one scenario file")
	}
	bad := 0
	for _, f := range pos {
		sc, err := loadScenario(e, f)
		if err == nil {
			if perr := sc.CheckPoints(); perr != nil {
				err = &inputError{msg: perr.Error()}
			}
		}
		if err != nil {
			bad++
			fmt.Fprintln(e.stderr, err)
			continue
		}
		for _, n := range sc.Notes() {
			fmt.Fprintln(e.stdout, n)
		}
		fmt.Fprintf(e.stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		verb := "have"
		if bad == 1 {
			verb = "has"
		}
		return &inputError{msg: fmt.Sprintf("emu validate: %d of %s %s errors", bad, count(len(pos), "file", "files"), verb)}
	}
	return nil
}

// cmdList runs emu list.
func cmdList(e *env, args []string) error {
	fs := newFlags(e, listCmd)
	if _, err := parseFlags(e, listCmd, fs, args); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, name := range scenarios.BuiltinNames() {
		fmt.Fprintf(tw, "%s\t%s\n", name, scenarios.BuiltinSummary(name))
	}
	return tw.Flush()
}

// cmdShow runs emu show.
func cmdShow(e *env, args []string) error {
	fs := newFlags(e, showCmd)
	pos, err := parseFlags(e, showCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu show: name one built-in example (see 'emu list')")
	}
	b, ok := scenarios.Builtin(pos[0])
	if !ok {
		return badInput("emu show: no built-in example %q (see 'emu list')", pos[0])
	}
	_, err = e.stdout.Write(b)
	return err
}
