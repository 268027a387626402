package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// isOutputFolder reports whether emu trace's argument names a finished
// output folder rather than a scenario. A bare name that is also a
// built-in example stays the example, as before folders could be traced
// (write ./NAME for the folder).
func isOutputFolder(arg string) bool {
	fi, err := os.Stat(arg)
	if err != nil || !fi.IsDir() || !runner.IsComplete(arg) {
		return false
	}
	if _, builtin := scenarios.Builtin(arg); builtin && !strings.ContainsRune(arg, filepath.Separator) {
		return false
	}
	return true
}

// failedName is --first's name for a connect that failed (refused, or no
// answer until the SYN retries ran out): the close type no-connect.
const failedName = "failed"

// parseFirst reads --first: a close type's name or "failed"; nil for none.
func parseFirst(s string) (*results.CloseType, error) {
	if s == "" {
		return nil, nil
	}
	if s == failedName {
		t := results.NoConnect
		return &t, nil
	}
	t, err := results.ParseCloseType(s)
	if err != nil {
		return nil, badInput("emu trace: --first %q: write a close type (%s) or %s", s, strings.Join(closeTypeNames(), ", "), failedName)
	}
	return &t, nil
}

// closeTypeNames are the close types' names, in the contract's order.
func closeTypeNames() []string {
	var names []string
	for _, c := range results.CloseTypes() {
		names = append(names, c.String())
	}
	return names
}

// pickPoint returns the point --point names: a point number, or values of
// sweep keys (close_delay=42ms, or link.loss=0.01,close_delay=42ms, or
// --point given once per key) that single out one point.
func pickPoint(plan *runner.Plan, specs []string) (int, error) {
	if len(specs) == 0 {
		return 0, nil
	}
	if len(specs) == 1 && !strings.Contains(specs[0], "=") {
		k, err := strconv.Atoi(specs[0])
		if err != nil {
			return 0, badInput("emu trace: --point %q: write a point number (as in runs.csv) or the point's sweep values, key=value", specs[0])
		}
		if k < 0 || k >= len(plan.Points) {
			return 0, badInput("emu trace: --point %d is out of range (%s)", k, indexRange("the sweep has", len(plan.Points), "point"))
		}
		return k, nil
	}
	// A value may hold a comma ({dist: uniform, ...}): a part without "="
	// continues the value before it.
	var pairs []string
	for _, spec := range specs {
		for _, part := range strings.Split(spec, ",") {
			if !strings.Contains(part, "=") && len(pairs) > 0 {
				pairs[len(pairs)-1] += "," + part
				continue
			}
			pairs = append(pairs, part)
		}
	}
	if len(plan.Keys) == 0 {
		return 0, badInput("emu trace: --point %s: %s has no sweep; its only point is 0", strings.Join(specs, ","), plan.Name)
	}
	want := make([]string, len(plan.Keys))
	given := make([]bool, len(plan.Keys))
	for _, pair := range pairs {
		key, val, ok := strings.Cut(pair, "=")
		if !ok {
			return 0, badInput("emu trace: --point %q: write key=value with a sweep key (%s), or a point number", pair, strings.Join(plan.Keys, ", "))
		}
		i := slices.Index(plan.Keys, strings.TrimSpace(key))
		if i < 0 {
			return 0, badInput("emu trace: --point %s: %q is not a sweep key of %s; its sweep keys are %s", pair, key, plan.Name, strings.Join(plan.Keys, ", "))
		}
		if given[i] {
			return 0, badInput("emu trace: --point: %s given twice", key)
		}
		val = strings.TrimSpace(val)
		values := sweepValues(plan, i)
		if !slices.ContainsFunc(values, func(v string) bool { return sameValue(v, val) }) {
			return 0, badInput("emu trace: --point %s: %s takes %s", pair, key, listValues(values))
		}
		want[i], given[i] = val, true
	}
	var matches []int
	for p, pt := range plan.Points {
		ok := true
		for i := range plan.Keys {
			if given[i] && !sameValue(pt.Values[i], want[i]) {
				ok = false
				break
			}
		}
		if ok {
			matches = append(matches, p)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	var missing []string
	for i, k := range plan.Keys {
		if !given[i] {
			missing = append(missing, k+"="+strings.Join(sweepValues(plan, i), "|"))
		}
	}
	if len(matches) == 0 {
		return 0, badInput("emu trace: --point %s: no point has these values together", strings.Join(pairs, ","))
	}
	return 0, badInput("emu trace: --point %s matches %d points (%d to %d): add %s", strings.Join(pairs, ","), len(matches), matches[0], matches[len(matches)-1], strings.Join(missing, ", "))
}

// sweepValues returns the values sweep key i takes, in sweep order.
func sweepValues(plan *runner.Plan, i int) []string {
	var vs []string
	for _, pt := range plan.Points {
		if !slices.Contains(vs, pt.Values[i]) {
			vs = append(vs, pt.Values[i])
		}
	}
	return vs
}

// listValues lists a key's values for a message, the middle of a long
// list left out.
func listValues(vs []string) string {
	if len(vs) <= 12 {
		return strings.Join(vs, ", ")
	}
	return fmt.Sprintf("%s, ..., %s (%d values)", strings.Join(vs[:5], ", "), strings.Join(vs[len(vs)-5:], ", "), len(vs))
}

// sameValue reports whether a sweep value as written (v) is the one the
// user wrote (u): the same text, or the same duration or number in
// another spelling (42ms and 0.042s, 0.01 and 1e-2).
func sameValue(v, u string) bool {
	if v == u {
		return true
	}
	if a, err := time.ParseDuration(v); err == nil {
		b, err := time.ParseDuration(u)
		return err == nil && a == b
	}
	if a, err := strconv.ParseFloat(v, 64); err == nil {
		b, err := strconv.ParseFloat(u, 64)
		return err == nil && a == b
	}
	return false
}

// errNoneFound is --first's answer when nothing ended the way asked: not
// bad input, but no such run either; exit 1, as grep exits 1 without a
// match.
func errNoneFound(format string, a ...any) error {
	return &exitError{code: 1, msg: "emu trace: " + fmt.Sprintf(format, a...)}
}

// findFirst looks, from run r of point p on, for the first run (one
// connection per run) or the first connection of a run of many that ended
// as want, traces it on w, and returns its row, run and connection.
func findFirst(w *sim.Worker, tr *results.Trace, plan *runner.Plan, p, r int, want results.CloseType) (*runner.Row, int, int, error) {
	many := plan.Points[p].Params.Connections.Count > 1
	name := want.String()
	if !many {
		// Searching needs no trace; the run found is traced again.
		search := sim.NewWorker()
		for run := r; run < plan.Runs; run++ {
			row, err := runner.TraceRow(search, plan, p, run)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("emu trace: %w", err)
			}
			if row.Outcome.CloseType == want {
				row, err = runner.TraceRow(w, plan, p, run)
				if err != nil {
					return nil, 0, 0, fmt.Errorf("emu trace: %w", err)
				}
				return row, run, 0, nil
			}
		}
		return nil, 0, 0, errNoneFound("no run of point %d from run %d to %d ended as %s", p, r, plan.Runs-1, name)
	}
	for run := r; run < plan.Runs; run++ {
		row, err := runner.TraceRow(w, plan, p, run)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("emu trace: %w", err)
		}
		for k, c := range tr.Conns {
			if c.Classified && c.CloseType == want {
				return row, run, k, nil
			}
		}
	}
	return nil, 0, 0, errNoneFound("no connection of point %d's runs %d to %d ended as %s", p, r, plan.Runs-1, name)
}

// checkRow compares the traced run with its row in the folder's runs.csv:
// the same emu must reproduce it column for column.
func checkRow(text, stderr io.Writer, dir string, rec *runRecord, plan *runner.Plan, p, r int, row *runner.Row) error {
	header, record, ok, err := runner.FindRow(dir, p, r)
	if err != nil {
		return fmt.Errorf("emu trace: %w", err)
	}
	file := filepath.Join(dir, "runs.csv")
	if !ok {
		fmt.Fprintf(text, "(%s has no row for point %d run %d: a shard's folder holds only its share)\n", file, p, r)
		return nil
	}
	var diffs []string
	for i, col := range row.Header {
		j := slices.Index(header, col)
		if j >= 0 && record[j] != row.Record[i] {
			diffs = append(diffs, fmt.Sprintf("%s %q here, %q there", col, row.Record[i], record[j]))
		}
	}
	if len(diffs) == 0 {
		fmt.Fprintf(text, "the same as row (point %d, run %d) of %s\n", p, r, file)
		return nil
	}
	msg := fmt.Sprintf("the run differs from row (point %d, run %d) of %s: %s", p, r, file, strings.Join(diffs, "; "))
	if rec.EmuVersion != versionString() || rec.Commit != commit() {
		fmt.Fprintf(stderr, "warning: %s\n(the folder was written by emu %s, commit %s; this is emu %s, commit %s)\n", msg, rec.EmuVersion, rec.Commit, versionString(), commit())
		return nil
	}
	return &exitError{code: 1, msg: "emu trace: " + msg + "\nthe same emu should reproduce its rows exactly: please report this"}
}
