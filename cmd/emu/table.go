package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/results"
)

// printSummaryTable prints one row per sweep point: the sweep keys, the
// number of runs and the percentage of each close type that occurred at
// any point. For runs of many connections the percentages are over all
// their connections, followed by connections, failed connects and peak
// TIME_WAIT per run.
func printSummaryTable(w io.Writer, plan *runner.Plan, res *runner.Result) {
	// frac returns the fraction of close type t at point i.
	frac := func(i int, t results.CloseType) float64 { return res.Summaries[i].Types[t].Frac }
	if plan.States {
		frac = func(i int, t results.CloseType) float64 {
			m := res.ExtraMeans[i]
			total := 0.0
			for _, x := range m[3:] {
				total += x
			}
			if total == 0 {
				return 0
			}
			return m[3+int(t)] / total
		}
	}
	var types []results.CloseType
	for _, t := range results.CloseTypes() {
		for i := range res.Summaries {
			if frac(i, t) > 0 {
				types = append(types, t)
				break
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head []string
	head = append(head, "point")
	head = append(head, plan.Keys...)
	head = append(head, "runs")
	for _, t := range types {
		head = append(head, t.String())
	}
	head = append(head, "teardown ms p50")
	if plan.States {
		head = append(head, "connections", "failed", "peak TIME_WAIT")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i := range res.Summaries {
		s := &res.Summaries[i]
		row := []string{fmt.Sprint(s.Point)}
		row = append(row, s.SweepValues...)
		row = append(row, fmt.Sprint(s.Runs))
		for _, t := range types {
			row = append(row, fmt.Sprintf("%.1f%%", 100*frac(i, t)))
		}
		p50 := "-"
		if s.TeardownMsP50 == s.TeardownMsP50 { // not NaN
			p50 = fmt.Sprintf("%.3f", s.TeardownMsP50)
		}
		row = append(row, p50)
		if plan.States {
			m := res.ExtraMeans[i]
			row = append(row, fmt.Sprintf("%.0f", m[0]), fmt.Sprintf("%.1f", m[1]), fmt.Sprintf("%.0f", m[2]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}
