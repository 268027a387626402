package results

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
	return WriteSummaryJSONContext(context.Background(), w, emuVersion, scenario, sweepKeys, points)
}

// ListedJSON is a JSON object summary.json writes member by member, its
// last member a list written one item at a time: the resolved scenario of
// a sweep of 100 000 points is half a gigabyte of JSON, which must not be
// built in memory first. WriteSummaryJSON writes a scenario that
// implements it exactly as it would write the equivalent struct.
type ListedJSON interface {
	// JSONMembers returns the members before the list, in order.
	JSONMembers() (names []string, values []any)
	// JSONList returns the list's member name, its length and its items.
	JSONList() (name string, n int, item func(i int) any)
}

// WriteSummaryJSONContext is WriteSummaryJSON, streamed: each point, and
// each item of a ListedJSON scenario, is encoded and written on its own,
// and ctx is checked between them, so that a huge sweep's file needs no
// more memory than one point and Ctrl-C does not wait for it.
func WriteSummaryJSONContext(ctx context.Context, w io.Writer, emuVersion string, scenario any, sweepKeys []string, points []PointSummary) error {
	if err := checkPoints(sweepKeys, points); err != nil {
		return fmt.Errorf("summary.json: %w", err)
	}
	var closeTypes []string
	for _, t := range CloseTypes() {
		closeTypes = append(closeTypes, t.String())
	}
	jw := &jsonWriter{w: bufio.NewWriterSize(w, 1<<16), ctx: ctx}
	jw.raw("{")
	jw.member(1, "emu_version", emuVersion, true)
	if ls, ok := scenario.(ListedJSON); ok {
		jw.raw(",\n  \"scenario\": {")
		names, values := ls.JSONMembers()
		for i := range names {
			jw.member(2, names[i], values[i], i == 0)
		}
		name, n, item := ls.JSONList()
		jw.list(2, name, n, item, len(names) == 0)
		jw.raw("\n  }")
	} else {
		jw.member(1, "scenario", scenario, false)
	}
	jw.member(1, "sweep_keys", append([]string{}, sweepKeys...), false)
	jw.member(1, "close_types", closeTypes, false)
	nums := SweepNumbers(sweepKeys, points)
	jw.list(1, "points", len(points), func(i int) any {
		p := toPointJSON(sweepKeys, &points[i])
		if len(nums) > 0 {
			o := &orderedJSON{}
			for _, n := range nums {
				o.keys = append(o.keys, n.Name)
				o.values = append(o.values, numberJSON(formatFrac(n.Values[i])))
			}
			p.SweepNumbers = o
		}
		return p
	}, false)
	jw.raw("\n}\n")
	if jw.err == nil {
		jw.err = jw.w.Flush()
	}
	if jw.err != nil {
		return fmt.Errorf("summary.json: %w", jw.err)
	}
	return nil
}

// jsonWriter writes an indented JSON document piece by piece, with the
// bytes encoding/json's Encoder (two-space indent, no HTML escaping) would
// write for the whole document at once.
type jsonWriter struct {
	w   *bufio.Writer
	ctx context.Context
	buf bytes.Buffer
	err error
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

// value writes v indented as a value at the given depth.
func (j *jsonWriter) value(depth int, v any) {
	if j.err != nil {
		return
	}
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	if j.err = enc.Encode(v); j.err != nil {
		return
	}
	compact := bytes.TrimSuffix(j.buf.Bytes(), []byte("\n"))
	var out bytes.Buffer
	if j.err = json.Indent(&out, compact, strings.Repeat("  ", depth), "  "); j.err != nil {
		return
	}
	_, j.err = j.w.Write(out.Bytes())
}

// member writes "name": value on a new line at depth; a comma before it
// unless first.
func (j *jsonWriter) member(depth int, name string, v any, first bool) {
	if !first {
		j.raw(",")
	}
	j.raw("\n" + strings.Repeat("  ", depth))
	j.value(depth, name)
	j.raw(": ")
	j.value(depth, v)
}

// list writes "name": [items...] at depth, checking ctx between items.
func (j *jsonWriter) list(depth int, name string, n int, item func(int) any, first bool) {
	if !first {
		j.raw(",")
	}
	pad := strings.Repeat("  ", depth)
	j.raw("\n" + pad)
	j.value(depth, name)
	if n == 0 {
		j.raw(": []")
		return
	}
	j.raw(": [")
	for i := 0; i < n && j.err == nil; i++ {
		if i%64 == 0 {
			j.err = j.ctx.Err()
		}
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n" + pad + "  ")
		j.value(depth+1, item(i))
	}
	j.raw("\n" + pad + "]")
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
