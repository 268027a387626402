package results

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var goldenKeys = []string{"close_delay", "link.jitter"}

// goldenRuns is a small sweep: three points, runs of every kind, a sweep
// value that needs CSV quoting, and a point where teardown and TIME_WAIT
// statistics are undefined.
func goldenRuns() []*Run {
	p0 := []string{"0ms", `{dist: normal, sigma: "2ms"}`}
	p1 := []string{"50ms", `{dist: normal, sigma: "2ms"}`}
	p2 := []string{"100ms", "0ms"}
	mk := func(point, run int, vals []string, r *Run) *Run {
		r.Point, r.Run, r.SweepValues = point, run, vals
		r.Seed = uint64(point)*1_000_003 + uint64(run)*7919 + 1
		if r.End == 0 {
			r.End = ms(300000)
		}
		return r
	}
	threeWay := func() *Run {
		r := established(
			tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
			tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
			tx(70, 80, Client, ack, cISN+102, sISN+2, 0),
		)
		r.TimeWait[Client] = tw(70, 70+minute)
		return r
	}
	threeWayLostAck := func() *Run {
		r := established(
			tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
			tx(60, 70, Server, fin|ack, sISN+1, cISN+102, 0),
			tx(70, lost, Client, ack, cISN+102, sISN+2, 0),
			re(tx(270, 280.0625, Server, fin|ack, sISN+1, cISN+102, 0)),
			tx(280.0625, 290.1255, Client, ack, cISN+102, sISN+2, 0),
		)
		r.TimeWait[Client] = tw(70, 280.0625+minute)
		return r
	}
	fourWay := func() *Run {
		r := established(
			tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
			tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
			tx(150, 160, Server, fin|ack, sISN+1, cISN+102, 0),
			tx(160, 170, Client, ack, cISN+102, sISN+2, 0),
		)
		r.TimeWait[Client] = tw(160, 160+minute)
		return r
	}
	rstRun := func() *Run {
		r := established(tx(40, 50, Server, rst|ack, sISN+1, cISN+101, 0))
		r.Errors[Client] = "ECONNRESET"
		r.BytesReceived[Server] = 0
		return r
	}
	finRST := func() *Run {
		r := &Run{
			Segments: []Segment{
				tx(0, 10, Client, syn, cISN, 0, 0),
				tx(10, 20, Server, syn|ack, sISN, cISN+1, 0),
				tx(20, 30, Client, ack, cISN+1, sISN+1, 0),
				tx(20, 30, Server, fin|ack, sISN+1, cISN+1, 0),
				tx(40, 50, Client, psh|ack, cISN+1, sISN+2, 100),
				tx(50, 60, Server, rst, sISN+2, 0, 0),
			},
			Established: true,
			Errors:      [2]string{"EPIPE", ""},
			BytesSent:   [2]int64{100, 0},
		}
		return r
	}
	refused := func() *Run {
		return &Run{
			Segments: []Segment{
				tx(0, 10, Client, syn, cISN, 0, 0),
				tx(10, 20, Server, rst|ack, 0, cISN+1, 0),
			},
			Errors: [2]string{"ECONNREFUSED", ""},
		}
	}
	closeWait := func() *Run {
		r := established(
			tx(40, 50, Client, fin|ack, cISN+101, sISN+1, 0),
			tx(90, 100, Server, ack, sISN+1, cISN+102, 0),
		)
		r.HitHorizon = true
		return r
	}
	return []*Run{
		mk(0, 0, p0, threeWay()),
		mk(0, 1, p0, threeWay()),
		mk(0, 2, p0, threeWayLostAck()),
		mk(0, 3, p0, rstRun()),
		mk(1, 0, p1, fourWay()),
		mk(1, 1, p1, finRST()),
		mk(1, 2, p1, fourWay()),
		mk(1, 3, p1, closeWait()),
		mk(2, 0, p2, refused()),
	}
}

// goldenScenario stands for the resolved scenario the caller passes.
type goldenScenario struct {
	Name     string   `json:"name"`
	Seed     uint64   `json:"seed"`
	Runs     int      `json:"runs"`
	Profile  string   `json:"profile"`
	Sweep    []string `json:"sweep"`
	Describe string   `json:"description"`
}

// writeOutputs writes the three files for runs into dir the way the run
// command will: runs.csv streamed row by row, then the summaries.
func writeOutputs(dir string, runs []*Run) error {
	f, err := CreateAtomic(filepath.Join(dir, "runs.csv"))
	if err != nil {
		return err
	}
	defer f.Abort()
	rw, err := NewRunsWriter(f, goldenKeys)
	if err != nil {
		return err
	}
	var accs []*Accumulator
	for _, r := range runs {
		o := Classify(r)
		if err := rw.Write(r, &o); err != nil {
			return err
		}
		if len(accs) == 0 || accs[len(accs)-1].Point() != r.Point {
			accs = append(accs, NewAccumulator(r.Point, r.SweepValues))
		}
		accs[len(accs)-1].Add(&o)
	}
	if err := rw.Flush(); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	var points []PointSummary
	for _, a := range accs {
		points = append(points, a.Summary())
	}
	if err := WriteFileAtomic(filepath.Join(dir, "summary.csv"), func(w io.Writer) error {
		return WriteSummaryCSV(w, goldenKeys, points)
	}); err != nil {
		return err
	}
	scenario := goldenScenario{Name: "golden", Seed: 1, Runs: 4, Profile: "linux",
		Sweep: goldenKeys, Describe: "a <small> & \"quoted\" sweep"}
	return WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		return WriteSummaryJSON(w, "v0.0.0-test", scenario, goldenKeys, points)
	})
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	if err := writeOutputs(dir, goldenRuns()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"runs.csv", "summary.csv", "summary.json"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run go test -update after checking the change):\n%s", name, golden, got)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestRunsHeaderContract(t *testing.T) {
	want := "point,run,seed,a,b,close_type,first_closer,teardown_segments,teardown_ms,time_wait_side,time_wait_ms,retransmits,rst_from,client_error,server_error,client_bytes_sent,server_bytes_received,server_bytes_sent,client_bytes_received"
	if got := strings.Join(RunsHeader([]string{"a", "b"}), ","); got != want {
		t.Errorf("runs header:\n got %s\nwant %s", got, want)
	}
	h := strings.Join(SummaryHeader(nil), ",")
	wantS := "point,runs,n_three_way,frac_three_way,ci_lo_three_way,ci_hi_three_way,n_four_way,frac_four_way,ci_lo_four_way,ci_hi_four_way,n_simultaneous,frac_simultaneous,ci_lo_simultaneous,ci_hi_simultaneous,n_rst,frac_rst,ci_lo_rst,ci_hi_rst,n_fin_rst,frac_fin_rst,ci_lo_fin_rst,ci_hi_fin_rst,n_timeout,frac_timeout,ci_lo_timeout,ci_hi_timeout,n_incomplete,frac_incomplete,ci_lo_incomplete,ci_hi_incomplete,n_no_connect,frac_no_connect,ci_lo_no_connect,ci_hi_no_connect,teardown_ms_mean,teardown_ms_p50,teardown_ms_p95,teardown_ms_p99,time_wait_ms_mean,retransmits_mean"
	if h != wantS {
		t.Errorf("summary header:\n got %s\nwant %s", h, wantS)
	}
}

func TestRunsWriterOrderAndExtras(t *testing.T) {
	var b bytes.Buffer
	rw, err := NewRunsWriter(&b, []string{"k"}, "extra")
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Point: 1, Run: 5, SweepValues: []string{"v"}}
	o := Classify(r)
	if err := rw.Write(r, &o, "x"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		point, run int
		vals       []string
		extra      []string
	}{
		{1, 5, []string{"v"}, []string{"x"}}, // same run again
		{1, 4, []string{"v"}, []string{"x"}}, // earlier run
		{0, 9, []string{"v"}, []string{"x"}}, // earlier point
		{2, 0, nil, []string{"x"}},           // missing sweep value
		{2, 0, []string{"v"}, nil},           // missing extra value
	} {
		r := &Run{Point: c.point, Run: c.run, SweepValues: c.vals}
		if err := rw.Write(r, &o, c.extra...); err == nil {
			t.Errorf("point %d run %d accepted", c.point, c.run)
		}
	}
	if err := rw.Write(&Run{Point: 2, Run: 0, SweepValues: []string{"v"}}, &o, "y"); err != nil {
		t.Fatal(err)
	}
	if err := rw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || rw.Rows() != 2 || !strings.HasSuffix(lines[0], ",extra") || !strings.HasSuffix(lines[2], ",y") {
		t.Errorf("output:\n%s", b.String())
	}
}

func TestSummaryRejectsDisorder(t *testing.T) {
	pts := []PointSummary{NewAccumulator(1, nil).Summary(), NewAccumulator(0, nil).Summary()}
	if err := WriteSummaryCSV(io.Discard, nil, pts); err == nil {
		t.Error("summary.csv: points out of order accepted")
	}
	if err := WriteSummaryJSON(io.Discard, "v", nil, []string{"k"}, pts[:1]); err == nil {
		t.Error("summary.json: missing sweep value accepted")
	}
	if err := WriteSummaryJSON(io.Discard, "v", func() {}, nil, nil); err == nil {
		t.Error("summary.json: unmarshalable scenario accepted")
	}
}

func TestAtomicFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Abort leaves the old file and no temporary file.
	f, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	assertDir(t, dir, map[string]string{"out.csv": "old\n"})

	// Commit replaces it whole; Abort after Commit is a no-op; writing
	// after Commit fails.
	f, err = CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old\n" {
		t.Errorf("while writing, %s = %q, %v; want the old content", path, b, err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("Write after Commit succeeded")
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	assertDir(t, dir, map[string]string{"out.csv": "new\n"})
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode: %v %v", st.Mode(), err)
	}

	// A failing writer leaves nothing behind and reports its error.
	boom := errors.New("boom")
	err = WriteFileAtomic(filepath.Join(dir, "other.csv"), func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("WriteFileAtomic error = %v, want boom", err)
	}
	assertDir(t, dir, map[string]string{"out.csv": "new\n"})

	// A missing directory is an error naming the file.
	if _, err := CreateAtomic(filepath.Join(dir, "missing", "x.csv")); err == nil || !strings.Contains(err.Error(), "x.csv") {
		t.Errorf("CreateAtomic in a missing directory: %v", err)
	}
}

// assertDir checks that dir holds exactly the files in want with their
// contents.
func assertDir(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("directory holds %d files, want %d: %v", len(entries), len(want), entries)
	}
	for name, content := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != content {
			t.Errorf("%s = %q, %v; want %q", name, b, err, content)
		}
	}
}

// BenchmarkRunsWriter streams rows to io.Discard: memory per row must stay
// constant (a few small allocations for the record), whatever the number
// of rows.
func BenchmarkRunsWriter(b *testing.B) {
	runs := goldenRuns()
	outcomes := make([]Outcome, len(runs))
	for i, r := range runs {
		outcomes[i] = Classify(r)
	}
	rw, err := NewRunsWriter(io.Discard, goldenKeys)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := *runs[i%len(runs)]
		r.Point, r.Run = i/len(runs), i%len(runs)
		if err := rw.Write(&r, &outcomes[i%len(runs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := rw.Flush(); err != nil {
		b.Fatal(err)
	}
}
