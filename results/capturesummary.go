package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// AllFiles is the file name of the last summary row of `emu classify`,
// the one over every file.
const AllFiles = "all"

// FileSummary is one row of the summary.csv of `emu classify`: the
// statistics of one capture file's connections (or of all files'). Its
// Runs count connections. TIME_WAIT's length is not on the wire, so
// TimeWaitMsMean is always undefined.
type FileSummary struct {
	File string
	PointSummary
}

// NewFileSummary computes the row of file from its accumulator.
func NewFileSummary(file string, a *Accumulator) FileSummary {
	s := FileSummary{File: file, PointSummary: a.Summary()}
	s.TimeWaitMsMean = math.NaN()
	return s
}

// CaptureSummaryHeader returns the header of the summary.csv of `emu
// classify`: file, connections, then the same close-type and teardown
// columns as the summary.csv of `emu run`.
func CaptureSummaryHeader() []string {
	h := SummaryHeader(nil) // point, runs, statistics...
	return append([]string{"file", "connections"}, h[2:]...)
}

// captureSummaryRecord returns the fields of s's row, matching
// CaptureSummaryHeader, in the digits of `emu run`'s summary.csv.
func captureSummaryRecord(s *FileSummary) []string {
	p := s.PointSummary
	p.SweepValues = nil
	p.Extra = nil
	rec := SummaryRecord(&p) // point, runs, statistics...
	return append([]string{s.File, rec[1]}, rec[2:]...)
}

// WriteCaptureSummaryCSV writes the summary.csv of `emu classify`: a header
// and one row per file, in the order given (the caller puts the row of
// all files last).
func WriteCaptureSummaryCSV(w io.Writer, files []FileSummary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CaptureSummaryHeader()); err != nil {
		return fmt.Errorf("summary.csv header: %w", err)
	}
	for i := range files {
		if err := cw.Write(captureSummaryRecord(&files[i])); err != nil {
			return fmt.Errorf("summary.csv %s: %w", files[i].File, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("summary.csv: %w", err)
	}
	return nil
}

// captureSummaryJSON is the summary.json of `emu classify`.
type captureSummaryJSON struct {
	EmuVersion string     `json:"emu_version"`
	Captures   []string   `json:"captures"` // the files given, in order
	Port       int        `json:"port,omitempty"`
	CloseTypes []string   `json:"close_types"`
	Files      []fileJSON `json:"files"`
}

// fileJSON is one row of summary.csv; the names are its columns'.
type fileJSON struct {
	File            string      `json:"file"`
	Connections     int         `json:"connections"`
	CloseTypes      orderedJSON `json:"close_types"`
	TeardownMsMean  numberJSON  `json:"teardown_ms_mean"`
	TeardownMsP50   numberJSON  `json:"teardown_ms_p50"`
	TeardownMsP95   numberJSON  `json:"teardown_ms_p95"`
	TeardownMsP99   numberJSON  `json:"teardown_ms_p99"`
	TimeWaitMsMean  numberJSON  `json:"time_wait_ms_mean"`
	RetransmitsMean numberJSON  `json:"retransmits_mean"`
}

// WriteCaptureSummaryJSON writes the summary.json of `emu classify`: the
// emu version, the capture files, the port filter (0: none), the close-type
// names in contract order and one object per row of summary.csv with the
// same digits, undefined ones as null.
func WriteCaptureSummaryJSON(w io.Writer, emuVersion string, captures []string, port int, files []FileSummary) error {
	doc := captureSummaryJSON{EmuVersion: emuVersion, Captures: append([]string{}, captures...), Port: port, Files: make([]fileJSON, len(files))}
	for _, t := range CloseTypes() {
		doc.CloseTypes = append(doc.CloseTypes, t.String())
	}
	for i := range files {
		p := toPointJSON(nil, &files[i].PointSummary)
		doc.Files[i] = fileJSON{
			File: files[i].File, Connections: p.Runs, CloseTypes: p.CloseTypes,
			TeardownMsMean: p.TeardownMsMean, TeardownMsP50: p.TeardownMsP50, TeardownMsP95: p.TeardownMsP95,
			TeardownMsP99: p.TeardownMsP99, TimeWaitMsMean: p.TimeWaitMsMean, RetransmitsMean: p.RetransmitsMean,
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
