package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
)

// tableOptions are emu run's choices for its printed summary.
type tableOptions struct {
	format string // table, csv, json or markdown
	ci     bool   // show each percentage's 95% interval
	pool   bool   // add a row over all points
	dir    string // the run's output folder, whose runs.csv the pooled row reads
}

// tableFormats are the values --format takes.
var tableFormats = []string{"table", "csv", "json", "markdown"}

// column is one column of the printed summary: its name in csv and json
// (summary.csv's where it has one) and its heading in the table.
type column struct {
	name, title string
}

// cell is one value: its text for the table and, when it is a number, the
// number for csv and json (with its interval for a fraction).
type cell struct {
	text   string
	num    float64
	isNum  bool
	lo, hi float64 // 95% interval of a fraction; NaN without
}

func textCell(s string) cell { return cell{text: s, lo: math.NaN(), hi: math.NaN()} }

func numCell(x float64, text string) cell {
	if math.IsNaN(x) {
		return cell{text: "-", num: math.NaN(), lo: math.NaN(), hi: math.NaN()}
	}
	return cell{text: text, num: x, isNum: true, lo: math.NaN(), hi: math.NaN()}
}

// summaryTable is the printed summary before it is formatted.
type summaryTable struct {
	cols []column
	rows [][]cell
	ci   bool // fractions carry intervals
}

// pointStats is what a row shows of a sweep point (or of all points
// pooled), whatever the kind of run.
type pointStats struct {
	label    []string // the point's number and sweep values, or "all" and blanks
	runs     int
	frac     [results.NumCloseTypes]float64
	lo, hi   [results.NumCloseTypes]float64
	failed   float64 // fraction of connection attempts that failed (many connections)
	failedLo float64
	failedHi float64
	p50      float64 // teardown ms p50
	timeWait float64 // TIME_WAIT ms mean
	conns    float64 // connections per run
	peakTW   float64 // peak TIME_WAIT per run
}

// statsOf turns a point's summary into a row's numbers. For runs of many
// connections the fractions are over every connection attempt of every
// run: the connections classified by close type plus the connects that
// failed (no port, EADDRNOTAVAIL), which the failed column shows, so that
// a row adds up to 100%. Their intervals treat connections as independent
// trials, which connections of one run are not quite.
func statsOf(s *results.PointSummary, extra []float64, many bool) pointStats {
	st := pointStats{runs: s.Runs, p50: s.TeardownMsP50, timeWait: s.TimeWaitMsMean, failed: math.NaN(), failedLo: math.NaN(), failedHi: math.NaN()}
	for _, t := range results.CloseTypes() {
		st.frac[t], st.lo[t], st.hi[t] = s.Types[t].Frac, s.Types[t].CILo, s.Types[t].CIHi
	}
	if !many || len(extra) < 3+results.NumCloseTypes {
		return st
	}
	st.conns, st.peakTW = extra[0], extra[2]
	// Means per run, times runs: totals over the point.
	runs := float64(s.Runs)
	total := extra[1] * runs
	var counts [results.NumCloseTypes]int
	for _, t := range results.CloseTypes() {
		counts[t] = int(math.Round(extra[3+int(t)] * runs))
		total += float64(counts[t])
	}
	n := int(math.Round(total))
	failed := int(math.Round(extra[1] * runs))
	for _, t := range results.CloseTypes() {
		st.frac[t], st.lo[t], st.hi[t] = ratio(counts[t], n)
	}
	st.failed, st.failedLo, st.failedHi = ratio(failed, n)
	return st
}

// ratio is k/n with its Wilson interval, NaN for n = 0.
func ratio(k, n int) (f, lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	lo, hi = results.Wilson(k, n)
	return float64(k) / float64(n), lo, hi
}

// buildSummaryTable lays out the printed summary: one row per sweep point
// (and a pooled row with opt.pool): the sweep keys, runs, the share of each
// close type that occurred anywhere, for runs of many connections the
// share of failed connects, the teardown p50 and TIME_WAIT, and for many
// connections the connections and peak TIME_WAIT per run.
func buildSummaryTable(plan *runner.Plan, res *runner.Result, opt tableOptions) (*summaryTable, error) {
	many := plan.States
	var stats []pointStats
	for i := range res.Summaries {
		s := &res.Summaries[i]
		var extra []float64
		if i < len(res.ExtraMeans) {
			extra = res.ExtraMeans[i]
		}
		st := statsOf(s, extra, many)
		st.label = append([]string{strconv.Itoa(s.Point)}, s.SweepValues...)
		stats = append(stats, st)
	}
	if opt.pool {
		p, err := pooledStats(opt.dir, len(plan.Keys), many)
		if err != nil {
			return nil, err
		}
		stats = append(stats, p)
	}
	var types []results.CloseType
	for _, t := range results.CloseTypes() {
		for _, st := range stats {
			if st.frac[t] > 0 {
				types = append(types, t)
				break
			}
		}
	}
	tb := &summaryTable{ci: opt.ci}
	tb.cols = append(tb.cols, column{"point", "point"})
	for _, k := range plan.Keys {
		tb.cols = append(tb.cols, column{k, k})
	}
	tb.cols = append(tb.cols, column{"runs", "runs"})
	for _, t := range types {
		tb.cols = append(tb.cols, column{"frac_" + t.Column(), t.String()})
	}
	if many {
		tb.cols = append(tb.cols, column{"frac_failed", "failed"})
	}
	tb.cols = append(tb.cols, column{"teardown_ms_p50", "teardown ms p50"}, column{"time_wait_ms_mean", "TIME_WAIT ms"})
	if many {
		tb.cols = append(tb.cols, column{"connections_mean", "connections"}, column{"peak_time_wait_mean", "peak TIME_WAIT"})
	}
	for _, st := range stats {
		var row []cell
		for i, l := range st.label {
			if n, err := strconv.Atoi(l); i == 0 && err == nil {
				row = append(row, numCell(float64(n), l))
				continue
			}
			row = append(row, textCell(l))
		}
		row = append(row, numCell(float64(st.runs), strconv.Itoa(st.runs)))
		for _, t := range types {
			row = append(row, fracCell(st.frac[t], st.lo[t], st.hi[t], opt.ci))
		}
		if many {
			row = append(row, fracCell(st.failed, st.failedLo, st.failedHi, opt.ci))
		}
		row = append(row, numCell(st.p50, fmt.Sprintf("%.3f", st.p50)), numCell(st.timeWait, fmt.Sprintf("%.0f", st.timeWait)))
		if many {
			row = append(row, numCell(st.conns, fmt.Sprintf("%.0f", st.conns)), numCell(st.peakTW, fmt.Sprintf("%.0f", st.peakTW)))
		}
		tb.rows = append(tb.rows, row)
	}
	return tb, nil
}

// fracCell shows a fraction as a percentage, with its interval when ci is
// set: "92.5% ±8.2" when the interval is symmetric to a tenth of a point,
// else its two arms, "94.0% +3.9/-10.2", or the one arm at 100% and 0%,
// "100.0% -16.1" (Wilson intervals are not symmetric near 0% and 100%).
func fracCell(f, lo, hi float64, ci bool) cell {
	c := numCell(f, fmt.Sprintf("%.1f%%", 100*f))
	if !c.isNum {
		return c
	}
	c.lo, c.hi = lo, hi
	if ci && !math.IsNaN(lo) {
		up, down := 100*(hi-f), 100*(f-lo)
		switch {
		case math.Abs(up-down) < 0.05:
			c.text += fmt.Sprintf(" ±%.1f", up)
		case up < 0.05: // at 100%
			c.text += fmt.Sprintf(" -%.1f", down)
		case down < 0.05: // at 0%
			c.text += fmt.Sprintf(" +%.1f", up)
		default:
			c.text += fmt.Sprintf(" +%.1f/-%.1f", up, down)
		}
	}
	return c
}

// pooledStats reads DIR/runs.csv and summarises all its runs as one point:
// the pooled row of --pool. Quantiles need the runs themselves, which the
// per-point summaries no longer have.
func pooledStats(dir string, nkeys int, many bool) (pointStats, error) {
	path := filepath.Join(dir, "runs.csv")
	f, err := os.Open(path)
	if err != nil {
		return pointStats{}, fmt.Errorf("--pool: %w", err)
	}
	defer f.Close()
	rr, err := results.NewRunsReader(f)
	if err != nil {
		return pointStats{}, fmt.Errorf("--pool: %s: %w", path, err)
	}
	// The extra columns, by their place in the header.
	idx := make([]int, len(sim.ExtraColumns))
	for i, name := range sim.ExtraColumns {
		idx[i] = -1
		for j, h := range rr.Header() {
			if h == name {
				idx[i] = j
			}
		}
	}
	acc := results.NewAccumulator(0, nil)
	sums := make([]float64, len(idx))
	for {
		row, err := rr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pointStats{}, fmt.Errorf("--pool: %s: %w", path, err)
		}
		acc.Add(&row.Outcome)
		for i, j := range idx {
			if j >= 0 {
				x, _ := strconv.ParseFloat(row.Record[j], 64)
				sums[i] += x
			}
		}
	}
	s := acc.Summary()
	means := make([]float64, len(sums))
	for i := range sums {
		if s.Runs > 0 {
			means[i] = sums[i] / float64(s.Runs)
		}
	}
	st := statsOf(&s, means, many)
	st.label = append([]string{"all"}, make([]string, nkeys)...)
	return st, nil
}

// write prints the table in a format: aligned columns, CSV, JSON or a
// Markdown table.
func (tb *summaryTable) write(w io.Writer, format string) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		titles := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			titles[i] = c.title
		}
		fmt.Fprintln(tw, strings.Join(titles, "\t")+"\t")
		for _, r := range tb.rows {
			fmt.Fprintln(tw, strings.Join(texts(r), "\t")+"\t")
		}
		return tw.Flush()
	case "markdown":
		var b strings.Builder
		titles := make([]string, len(tb.cols))
		align := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			titles[i], align[i] = mdEscape(c.title), "---:"
		}
		fmt.Fprintf(&b, "| %s |\n| %s |\n", strings.Join(titles, " | "), strings.Join(align, " | "))
		for _, r := range tb.rows {
			t := texts(r)
			for i := range t {
				t[i] = mdEscape(t[i])
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(t, " | "))
		}
		_, err := io.WriteString(w, b.String())
		return err
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(tb.names()); err != nil {
			return err
		}
		for _, r := range tb.rows {
			var rec []string
			for i, c := range r {
				rec = append(rec, numText(c))
				if tb.ci && isFrac(tb.cols[i]) {
					rec = append(rec, numOrEmpty(c.lo), numOrEmpty(c.hi))
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "json":
		var b bytes.Buffer
		b.WriteString("[")
		names := tb.names()
		for ri, r := range tb.rows {
			if ri > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  {")
			k := 0
			put := func(v string) {
				if k > 0 {
					b.WriteString(", ")
				}
				name, _ := json.Marshal(names[k])
				fmt.Fprintf(&b, "%s: %s", name, v)
				k++
			}
			for i, c := range r {
				put(jsonValue(c))
				if tb.ci && isFrac(tb.cols[i]) {
					put(jsonNumber(c.lo))
					put(jsonNumber(c.hi))
				}
			}
			b.WriteString("}")
		}
		b.WriteString("\n]\n")
		_, err := w.Write(b.Bytes())
		return err
	}
	return fmt.Errorf("unknown table format %q (%s)", format, strings.Join(tableFormats, ", "))
}

// names are the csv and json names of the columns, each fraction followed
// by its interval's ci_lo_ and ci_hi_ with --ci.
func (tb *summaryTable) names() []string {
	var n []string
	for _, c := range tb.cols {
		n = append(n, c.name)
		if tb.ci && isFrac(c) {
			t := strings.TrimPrefix(c.name, "frac_")
			n = append(n, "ci_lo_"+t, "ci_hi_"+t)
		}
	}
	return n
}

func isFrac(c column) bool { return strings.HasPrefix(c.name, "frac_") }

func texts(r []cell) []string {
	t := make([]string, len(r))
	for i, c := range r {
		t[i] = c.text
	}
	return t
}

// numText is a cell in csv: a number in full (fractions as fractions, not
// percentages), text as is, an undefined number empty.
func numText(c cell) string {
	if c.isNum {
		return shortNumber(c.num)
	}
	if c.text == "-" {
		return ""
	}
	return c.text
}

func numOrEmpty(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return shortNumber(x)
}

func jsonNumber(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "null"
	}
	return shortNumber(x)
}

// shortNumber writes x with at most six decimals, as summary.csv does.
func shortNumber(x float64) string {
	s := strconv.FormatFloat(x, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func jsonValue(c cell) string {
	if c.isNum {
		return jsonNumber(c.num)
	}
	if c.text == "-" && math.IsNaN(c.num) {
		return "null"
	}
	b, _ := json.Marshal(c.text)
	return string(b)
}

// mdEscape keeps a cell's | from ending it.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// printSummaryTable prints emu run's summary of each sweep point.
func printSummaryTable(w io.Writer, plan *runner.Plan, res *runner.Result, opt tableOptions) error {
	tb, err := buildSummaryTable(plan, res, opt)
	if err != nil {
		return err
	}
	return tb.write(w, opt.format)
}
