package kernel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// point loads a built-in example with --set overrides and returns its only
// sweep point.
func point(t *testing.T, name string, sets ...[2]string) *scenarios.RunConfig {
	t.Helper()
	s, err := scenarios.LoadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range sets {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 {
		t.Fatalf("%s has %d points, want 1", name, len(pts))
	}
	return pts[0].Config
}

// TestKernelExamples runs built-in examples on the real kernel and checks
// what Linux does, as the examples' descriptions (and RFC 9293 / RFC 2525)
// say: half-close ends four-way with the client in TIME_WAIT; closing with
// unread data resets the connection and the client's read fails with
// ECONNRESET; a server closing at once after reading the FIN gives a
// three-way close (its FIN carries the delayed ACK), one closing 100 ms
// later a four-way close (the delayed-ACK timer, about 40 ms, fires
// first and the bare ACK leaves before the FIN).
func TestKernelExamples(t *testing.T) {
	needRoot(t)
	exe, err := Executable()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		example   string
		sets      [][2]string
		want      results.CloseType
		rstFrom   results.SideSet
		clientErr string
		twSide    results.SideSet
		exit      string // the client's
	}{
		{"half-close", "half-close", nil, results.FourWay, results.NoSide, "", results.ClientSide, "ok"},
		{"unread-data", "close-with-unread-data", [][2]string{{"server.tcp.unread_close", "rst"}}, results.RST, results.ServerSide, "ECONNRESET", results.NoSide, "ok"},
		{"delack-0ms", "delayed-ack-boundary", [][2]string{{"close_delay", "0ms"}}, results.ThreeWay, results.NoSide, "", results.ClientSide, "ok"},
		{"delack-100ms", "delayed-ack-boundary", [][2]string{{"close_delay", "100ms"}}, results.FourWay, results.NoSide, "", results.ClientSide, "ok"},
		// The server closes at once (its FIN first); the client's first
		// write, data after that close, draws the server's RST: fin-rst
		// from the server. The client's second write fails with EPIPE
		// and raises SIGPIPE, which kills it by default and is ignored
		// with sigpipe: ignore.
		{"sigpipe-terminate", "sigpipe", [][2]string{{"sigpipe", "terminate"}}, results.FinRST, results.ServerSide, "EPIPE", results.NoSide, "SIGPIPE"},
		{"sigpipe-ignore", "sigpipe", [][2]string{{"sigpipe", "ignore"}}, results.FinRST, results.ServerSide, "EPIPE", results.NoSide, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := point(t, c.example, c.sets...)
			setup, err := Prepare(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := OpenPoint(cfg, setup, exe)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := p.Close(); err != nil {
					t.Error(err)
				}
			}()
			for run := range 3 {
				res, err := p.Run(context.Background(), 0, run, engine.RunSeed(1, 0, run), nil, "")
				if err != nil {
					t.Fatal(err)
				}
				o := res.Outcome
				t.Logf("run %d: %s, %d segments, exits %v, errors %q, relay late median %v p99 %v", run, o.CloseType, len(res.Run.Segments), res.Run.Exit, res.Run.Errors, res.DelayErr, res.DelayP99)
				// Linux holds TIME_WAIT for TCP_TIMEWAIT_LEN, 60 s; the
				// measurement reads the timer in 10 ms steps.
				if c.twSide != results.NoSide && (o.TimeWait < 60*time.Second-50*time.Millisecond || o.TimeWait > 60*time.Second+50*time.Millisecond) {
					t.Errorf("run %d: TIME_WAIT %v, want 60 s ± 50 ms", run, o.TimeWait)
				}
				if o.CloseType != c.want || o.RstFrom != c.rstFrom || o.Errors[results.Client] != c.clientErr || o.TimeWaitSide != c.twSide || res.Run.Exit[results.Client] != c.exit {
					t.Errorf("run %d: %s rst_from %s client_error %q time_wait %s; want %s, %s, %q, %s\ntraces: %+v",
						run, o.CloseType, o.RstFrom, o.Errors[results.Client], o.TimeWaitSide, c.want, c.rstFrom, c.clientErr, c.twSide, res.Traces)
				}
			}
		})
	}
}

// TestKernelManyConnections: five client programs 20 ms apart against a
// forking server that closes 100 ms after the client's FIN. Each
// connection ends four-way (Linux's delayed ACK of the FIN, about 40 ms,
// leaves before the server's FIN), the client closed first each time and
// so holds TIME_WAIT for all five at once (60 s, longer than the run).
func TestKernelManyConnections(t *testing.T) {
	needRoot(t)
	exe, err := Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Load("many.yaml", []byte(`name: many
link: {delay: 1ms}
connections: {count: 5, every: 20ms}
client: {do: [connect, {send: 100B}, close]}
server: {do: [accept, {read: eof}, {sleep: 100ms}, close]}
`))
	if err != nil {
		t.Fatal(err)
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	cfg := pts[0].Config
	setup, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := OpenPoint(cfg, setup, exe)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}()
	res, err := p.Run(context.Background(), 0, 0, 1, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections != 5 || res.Failed != 0 || res.Types[results.FourWay] != 5 || res.PeakTimeWait != 5 ||
		res.Outcome.CloseType != results.FourWay || res.Run.Exit != [2]string{"ok", "ok"} {
		t.Errorf("connections %d failed %d types %v peak TIME_WAIT %d first %s exits %v; want 5, 0, 5 four-way, 5, four-way, ok ok\n%+v",
			res.Connections, res.Failed, res.Types, res.PeakTimeWait, res.Outcome.CloseType, res.Run.Exit, res.Traces)
	}
}

// ownNamespaces lists the namespaces this process made.
func ownNamespaces(t *testing.T) []string {
	t.Helper()
	entries, _ := os.ReadDir("/var/run/netns")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), fmt.Sprintf("emu-%d-", os.Getpid())) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestExecuteFailureCleansUp: when a run fails (here the side helper
// program does not exist), Execute returns the error, writes no output
// file and leaves no namespace behind.
func TestExecuteFailureCleansUp(t *testing.T) {
	needRoot(t)
	s, err := scenarios.LoadFile("half-close")
	if err != nil {
		t.Fatal(err)
	}
	pts, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	setup, err := Prepare(pts[0].Config)
	if err != nil {
		t.Fatal(err)
	}
	job := &Job{Name: "half-close", Seed: 1, Runs: 2, Points: pts, Setups: []*Setup{setup}, Version: "test"}
	dir := t.TempDir()
	_, err = Execute(context.Background(), job, dir, Options{Exe: filepath.Join(dir, "no-such-program")})
	if err == nil {
		t.Fatal("Execute succeeded without a helper program")
	}
	if ns := ownNamespaces(t); len(ns) > 0 {
		t.Errorf("namespaces left behind: %v", ns)
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s written by a failed run", f)
		}
	}
}
