package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/plot"
)

// Level is the significance level at which a point is marked as differing.
const Level = 0.01

// InputError is a problem with the folders given (not found, not the same
// scenario or sweep): the command's bad input.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Point is the comparison at one sweep point.
type Point struct {
	Index  int
	Values []string
	A, B   plot.Row
	Method Method
	P      float64
	Differ bool // P < Level
}

// Report is the comparison of two folders.
type Report struct {
	A, B   *plot.Sweep
	Keys   []string
	Points []Point
	Types  []results.CloseType // close types seen in either folder
}

// Differing returns the indices of the points that differ.
func (r *Report) Differing() []int {
	var out []int
	for _, p := range r.Points {
		if p.Differ {
			out = append(out, p.Index)
		}
	}
	return out
}

// Folders compares the summaries of two finished run folders (emu run or
// emu kernel) of the same scenario and sweep.
func Folders(dirA, dirB string) (*Report, error) {
	a, err := plot.Load(dirA)
	if err != nil {
		return nil, &InputError{Msg: err.Error()}
	}
	b, err := plot.Load(dirB)
	if err != nil {
		return nil, &InputError{Msg: err.Error()}
	}
	na, nb := scenarioName(dirA), scenarioName(dirB)
	if na != "" && nb != "" && na != nb {
		return nil, &InputError{Msg: fmt.Sprintf("%s is scenario %s, %s is scenario %s: compare two folders of the same scenario", dirA, na, dirB, nb)}
	}
	if !slices.Equal(a.Keys, b.Keys) {
		return nil, &InputError{Msg: fmt.Sprintf("the sweep keys differ: %s has [%s], %s has [%s]", dirA, strings.Join(a.Keys, ", "), dirB, strings.Join(b.Keys, ", "))}
	}
	if len(a.Rows) != len(b.Rows) {
		return nil, &InputError{Msg: fmt.Sprintf("%s has %d sweep points, %s has %d", dirA, len(a.Rows), dirB, len(b.Rows))}
	}
	rep := &Report{A: a, B: b, Keys: a.Keys}
	for i := range a.Rows {
		ra, rb := a.Rows[i], b.Rows[i]
		if !slices.Equal(ra.Values, rb.Values) {
			return nil, &InputError{Msg: fmt.Sprintf("point %d is [%s] in %s but [%s] in %s", i, strings.Join(ra.Values, ", "), dirA, strings.Join(rb.Values, ", "), dirB)}
		}
		method, p := Homogeneity(ra.N[:], rb.N[:])
		rep.Points = append(rep.Points, Point{Index: i, Values: ra.Values, A: ra, B: rb, Method: method, P: p, Differ: p < Level})
	}
	for _, t := range results.CloseTypes() {
		for _, p := range rep.Points {
			if p.A.N[t]+p.B.N[t] > 0 {
				rep.Types = append(rep.Types, t)
				break
			}
		}
	}
	return rep, nil
}

// scenarioName reads the scenario's name from DIR/summary.json, or "".
func scenarioName(dir string) string {
	b, err := input.ReadFile(filepath.Join(dir, "summary.json"), input.Regular, 2<<30)
	if err != nil {
		return ""
	}
	var doc struct {
		Scenario struct {
			Name string `json:"name"`
		} `json:"scenario"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return ""
	}
	return doc.Scenario.Name
}

// Print writes the comparison as a table: per point the sweep values, the
// runs and close-type fractions of A and of B, the test, its p-value and a
// mark where the point differs at the 1 % level.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := append([]string{"point"}, r.Keys...)
	head = append(head, "runs A")
	for _, t := range r.Types {
		head = append(head, t.String()+" A")
	}
	head = append(head, "runs B")
	for _, t := range r.Types {
		head = append(head, t.String()+" B")
	}
	head = append(head, "test", "p", "")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, p := range r.Points {
		row := append([]string{fmt.Sprint(p.Index)}, p.Values...)
		for _, side := range []plot.Row{p.A, p.B} {
			row = append(row, fmt.Sprint(side.Runs))
			for _, t := range r.Types {
				row = append(row, pct(side.N[t], side.Runs))
			}
		}
		mark := ""
		if p.Differ {
			mark = "DIFFERS"
		}
		row = append(row, string(p.Method), fmt.Sprintf("%.3g", p.P), mark)
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(w, "\nA = %s, B = %s. ", r.A.Dir, r.B.Dir)
	if d := r.Differing(); len(d) > 0 {
		fmt.Fprintf(w, "%d of %d points differ at the 1%% level (Fisher's exact test for two close types, chi-square for more): %v\n", len(d), len(r.Points), d)
	} else {
		fmt.Fprintf(w, "No point differs at the 1%% level (Fisher's exact test for two close types, chi-square for more).\n")
	}
}

func pct(n, runs int) string {
	if runs == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(runs))
}
