package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// handPoints are two sweep points of 4 runs: 3 three-way and 1 rst, then 2
// four-way and 2 no-connect.
func handPoints() []results.PointSummary {
	var out []results.PointSummary
	for i, types := range [][]results.CloseType{
		{results.ThreeWay, results.ThreeWay, results.ThreeWay, results.RST},
		{results.FourWay, results.FourWay, results.NoConnect, results.NoConnect},
	} {
		a := results.NewAccumulator(i, []string{[]string{"0ms", "50ms"}[i]})
		for _, t := range types {
			a.Add(&results.Outcome{CloseType: t})
		}
		out = append(out, a.Summary())
	}
	return out
}

// TestTableFormats prints one summary in the four formats and compares each
// with its golden file (rewrite with -update after checking).
func TestTableFormats(t *testing.T) {
	plan := &runner.Plan{Name: "t", Keys: []string{"close_delay"}}
	res := &runner.Result{Summaries: handPoints()}
	for _, c := range []struct {
		format string
		ci     bool
		file   string
	}{
		{"table", false, "table.txt"}, {"table", true, "table-ci.txt"}, {"markdown", true, "table.md"},
		{"csv", true, "table.csv"}, {"json", true, "table.json"},
	} {
		var b bytes.Buffer
		if err := printSummaryTable(&b, plan, res, tableOptions{format: c.format, ci: c.ci}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			os.WriteFile(path, b.Bytes(), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs from %s:\n%s", c.format, path, b.String())
		}
	}
}

// TestTableValues checks the printed numbers against values worked out by
// hand: 3 of 4 is 75.0% with the Wilson interval [0.3006, 0.9544] (+20.4,
// -44.9 points), 0 of 4 is 0.0% up to 49.0%, 2 of 4 is 50% ±35.0 (centre
// (0.5 + z²/8)/(1 + z²/4) = 0.5, half-width 0.35), and the csv and json carry the
// fractions themselves.
func TestTableValues(t *testing.T) {
	plan := &runner.Plan{Name: "t", Keys: []string{"close_delay"}}
	res := &runner.Result{Summaries: handPoints()}
	var b bytes.Buffer
	if err := printSummaryTable(&b, plan, res, tableOptions{format: "table", ci: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"75.0% +20.4/-44.9", "0.0% +49.0", "50.0% ±35.0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	b.Reset()
	printSummaryTable(&b, plan, res, tableOptions{format: "json", ci: true})
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, b.String())
	}
	r := rows[0]
	if r["point"] != 0.0 || r["close_delay"] != "0ms" || r["runs"] != 4.0 || r["frac_three_way"] != 0.75 || r["frac_rst"] != 0.25 ||
		math.Abs(r["ci_lo_three_way"].(float64)-0.300642) > 1e-6 || r["teardown_ms_p50"] != nil {
		t.Errorf("json row 0: %v", r)
	}
}

// TestTableManyConnections: for runs of many connections the shares are
// over every attempt, failed connects included, and add up to 100%. Two
// runs of 10 attempts each: 5 three-way, 1 no-connect and 4 failed per
// run on average.
func TestTableManyConnections(t *testing.T) {
	plan := &runner.Plan{Name: "t", States: true}
	a := results.NewAccumulator(0, nil)
	a.Add(&results.Outcome{CloseType: results.ThreeWay})
	a.Add(&results.Outcome{CloseType: results.ThreeWay})
	s := a.Summary()
	extra := make([]float64, 3+results.NumCloseTypes)
	extra[0], extra[1], extra[2] = 10, 4, 3
	extra[3+int(results.ThreeWay)], extra[3+int(results.NoConnect)] = 5, 1
	res := &runner.Result{Summaries: []results.PointSummary{s}, ExtraMeans: [][]float64{extra}}
	var b bytes.Buffer
	if err := printSummaryTable(&b, plan, res, tableOptions{format: "csv"}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[h] = recs[1][i]
	}
	for k, want := range map[string]string{"frac_three_way": "0.5", "frac_no_connect": "0.1", "frac_failed": "0.4", "connections_mean": "10", "peak_time_wait_mean": "3"} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q (row %v)", k, got[k], want, got)
		}
	}
	sum := 0.0
	for k, v := range got {
		if strings.HasPrefix(k, "frac_") {
			x, _ := strconv.ParseFloat(v, 64)
			sum += x
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares add up to %g", sum)
	}
}

// TestTablePool: emu run --pool adds a row "all" whose runs are the sum of
// the points' and whose shares are the points' shares weighted by runs.
func TestTablePool(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lt")
	out, errs, code := emu(t, "", "run", "lossy-teardown", "--runs", "8", "--pool", "--format", "csv", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "40 runs of 5 points") {
		t.Errorf("closing line not on stderr: %q", errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	last := recs[len(recs)-1]
	if last[0] != "all" || last[col["runs"]] != "40" || len(recs) != 7 {
		t.Fatalf("pooled row %v of %d rows", last, len(recs))
	}
	for name, j := range col {
		if !strings.HasPrefix(name, "frac_") {
			continue
		}
		sum := 0.0
		for _, r := range recs[1:6] {
			x, _ := strconv.ParseFloat(r[j], 64)
			sum += x * 8
		}
		pooled, _ := strconv.ParseFloat(last[j], 64)
		if math.Abs(pooled-sum/40) > 1e-6 {
			t.Errorf("%s: pooled %g, points give %g", name, pooled, sum/40)
		}
	}
	if _, errs, code := emu(t, "", "run", "half-close", "--format", "xml"); code != 2 || !strings.Contains(errs, `--format "xml": write table, csv, json, markdown`) {
		t.Errorf("--format xml: exit %d: %s", code, errs)
	}
}
