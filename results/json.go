package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// summaryJSON is the document written to summary.json. Structs (and the
// ordered objects below), never maps, so the key order is fixed.
type summaryJSON struct {
	EmuVersion string      `json:"emu_version"`
	Scenario   any         `json:"scenario"`
	SweepKeys  []string    `json:"sweep_keys"`
	CloseTypes []string    `json:"close_types"`
	Points     []pointJSON `json:"points"`
}

// pointJSON is one sweep point; the names after "sweep" are those of the
// summary.csv columns.
type pointJSON struct {
	Point           int         `json:"point"`
	Sweep           orderedJSON `json:"sweep"`
	Runs            int         `json:"runs"`
	CloseTypes      orderedJSON `json:"close_types"`
	TeardownMsMean  numberJSON  `json:"teardown_ms_mean"`
	TeardownMsP50   numberJSON  `json:"teardown_ms_p50"`
	TeardownMsP95   numberJSON  `json:"teardown_ms_p95"`
	TeardownMsP99   numberJSON  `json:"teardown_ms_p99"`
	TimeWaitMsMean  numberJSON  `json:"time_wait_ms_mean"`
	RetransmitsMean numberJSON  `json:"retransmits_mean"`
	// Extra holds the later summary.csv columns, if any, by name.
	Extra *orderedJSON `json:"extra,omitempty"`
	// SweepNumbers holds the swept values as numbers in fixed units
	// (SweepNumbers), if any key has them.
	SweepNumbers *orderedJSON `json:"sweep_numbers,omitempty"`
}

// typeJSON is one close type's count, fraction and interval at a point.
type typeJSON struct {
	N    int        `json:"n"`
	Frac numberJSON `json:"frac"`
	CILo numberJSON `json:"ci_lo"`
	CIHi numberJSON `json:"ci_hi"`
}

// numberJSON is a number already formatted the way summary.csv writes it,
// so that the JSON and CSV files carry the same digits; "" (undefined) is
// written as null.
type numberJSON string

// MarshalJSON writes the number as is, or null.
func (n numberJSON) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

// orderedJSON is a JSON object whose keys keep the order given, for
// objects keyed by data (sweep keys, close-type names) that a struct
// cannot describe and a map would sort or shuffle.
type orderedJSON struct {
	keys   []string
	values []any
}

// MarshalJSON writes the members in order.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		vb, err := json.Marshal(o.values[i])
		if err != nil {
			return nil, fmt.Errorf("value of %q: %w", k, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// WriteSummaryJSON writes summary.json: the emu version, the scenario as
// resolved (any value encoding/json can marshal; the caller passes the
// scenario with every default filled in, so the file documents exactly
// what ran), the sweep keys, the close-type names in contract order and
// one object per point with the same statistics and digits as
// summary.csv, undefined ones as null. Indented with two spaces, HTML
// characters not escaped, one trailing newline.
func WriteSummaryJSON(w io.Writer, emuVersion string, scenario any, sweepKeys []string, points []PointSummary) error {
	if err := checkPoints(sweepKeys, points); err != nil {
		return fmt.Errorf("summary.json: %w", err)
	}
	doc := summaryJSON{
		EmuVersion: emuVersion,
		Scenario:   scenario,
		SweepKeys:  append([]string{}, sweepKeys...),
		Points:     make([]pointJSON, len(points)),
	}
	for _, t := range CloseTypes() {
		doc.CloseTypes = append(doc.CloseTypes, t.String())
	}
	nums := SweepNumbers(sweepKeys, points)
	for i := range points {
		doc.Points[i] = toPointJSON(sweepKeys, &points[i])
		if len(nums) > 0 {
			o := &orderedJSON{}
			for _, n := range nums {
				o.keys = append(o.keys, n.Name)
				o.values = append(o.values, numberJSON(formatFrac(n.Values[i])))
			}
			doc.Points[i].SweepNumbers = o
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("summary.json: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("summary.json: %w", err)
	}
	return nil
}

// toPointJSON converts one point, formatting numbers as summary.csv does.
func toPointJSON(sweepKeys []string, s *PointSummary) pointJSON {
	p := pointJSON{
		Point:           s.Point,
		Runs:            s.Runs,
		TeardownMsMean:  numberJSON(formatMsValue(s.TeardownMsMean)),
		TeardownMsP50:   numberJSON(formatMsValue(s.TeardownMsP50)),
		TeardownMsP95:   numberJSON(formatMsValue(s.TeardownMsP95)),
		TeardownMsP99:   numberJSON(formatMsValue(s.TeardownMsP99)),
		TimeWaitMsMean:  numberJSON(formatMsValue(s.TimeWaitMsMean)),
		RetransmitsMean: numberJSON(formatFrac(s.RetransmitsMean)),
	}
	for i, k := range sweepKeys {
		p.Sweep.keys = append(p.Sweep.keys, k)
		p.Sweep.values = append(p.Sweep.values, s.SweepValues[i])
	}
	if len(s.Extra) > 0 {
		p.Extra = &orderedJSON{}
		for _, x := range s.Extra {
			p.Extra.keys = append(p.Extra.keys, x.Name)
			p.Extra.values = append(p.Extra.values, numberJSON(formatFrac(x.Value)))
		}
	}
	for _, t := range CloseTypes() {
		ts := s.Types[t]
		p.CloseTypes.keys = append(p.CloseTypes.keys, t.String())
		p.CloseTypes.values = append(p.CloseTypes.values, typeJSON{
			N:    ts.N,
			Frac: numberJSON(formatFrac(ts.Frac)),
			CILo: numberJSON(formatFrac(ts.CILo)),
			CIHi: numberJSON(formatFrac(ts.CIHi)),
		})
	}
	return p
}
