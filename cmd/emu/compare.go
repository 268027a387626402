package main

import (
	"errors"
	"fmt"

	"github.com/emu-sim/emu/internal/compare"
)

var compareCmd = &command{
	name:    "compare",
	args:    "DIR_A DIR_B [--out FILE.svg]",
	summary: "test whether two run folders of one scenario (emu run, emu kernel) differ per sweep point",
	help: `Reads summary.csv of two finished folders of the same scenario and sweep
(emu run and emu kernel, or two emu runs) and prints per sweep point both
close-type distributions side by side with a test of difference: Fisher's
exact test when two close types occur, Pearson's chi-square test when more
do. Points that differ at the 1% level are marked DIFFERS. --out draws both
on one plot (A solid, B dashed).

Exit status: 0 when no point differs, 1 when one does, 2 on bad input.

Examples:
  emu run half-close --runs 20 --out out/sim
  sudo emu kernel half-close --runs 20 --out out/kernel
  emu compare out/sim out/kernel --out compare.svg
`,
}

func init() {
	compareCmd.run = cmdCompare
}

// cmdCompare runs emu compare.
func cmdCompare(e *env, args []string) error {
	fs := newFlags(e, compareCmd)
	out := fs.String("out", "", "also draw both distributions to `FILE.svg`")
	pos, err := parseFlags(e, compareCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return badInput("emu compare: name two run folders, DIR_A DIR_B")
	}
	rep, err := compare.Folders(pos[0], pos[1])
	if err != nil {
		var in *compare.InputError
		if errors.As(err, &in) {
			return badInput("emu compare: %v", err)
		}
		return fmt.Errorf("emu compare: %w", err)
	}
	rep.Print(e.stdout)
	if *out != "" {
		if err := rep.Plot(*out); err != nil {
			return fmt.Errorf("emu compare: %w", err)
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	}
	if d := rep.Differing(); len(d) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("emu compare: %d of %d points differ at the 1%% level", len(d), len(rep.Points))}
	}
	return nil
}
