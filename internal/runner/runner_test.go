package runner

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

// boundaryPlan is the delayed-ack-boundary sweep: the server closes d after
// reading EOF, d from 0 to 100 ms in steps of 5 ms, on a 50 µs RTT link with
// Linux's 250 Hz tick.
func boundaryPlan(runs int) *Plan {
	s, _ := tcp.Profile("linux")
	l := netlink.DefaultConfig()
	l.Delay = 25 * time.Microsecond
	plan := &Plan{Name: "delayed-ack-boundary", Seed: 1, Runs: runs, Keys: []string{"close_delay"}, Version: "test"}
	for d := 0; d <= 100; d += 5 {
		plan.Points = append(plan.Points, Point{
			Values: []string{(time.Duration(d) * time.Millisecond).String()},
			Params: &sim.Params{
				Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
				Client:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}}},
				Server:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpSleep, Duration: time.Duration(d) * time.Millisecond}, {Kind: tcp.OpClose}}},
				StopAfter: 5 * time.Minute,
				MaxEvents: 1e6,
			},
		})
	}
	return plan
}

// TestJobsDoNotChangeOutput: --jobs 1 and --jobs 4 (with a small reorder
// window, so that workers finish out of order) give byte-identical files.
func TestJobsDoNotChangeOutput(t *testing.T) {
	plan := boundaryPlan(20)
	var files [2]map[string][]byte
	for i, jobs := range []int{1, 4} {
		dir := t.TempDir()
		if _, err := Execute(context.Background(), plan, dir, Options{Jobs: jobs, Window: 3}); err != nil {
			t.Fatal(err)
		}
		files[i] = map[string][]byte{}
		for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			files[i][f] = b
		}
	}
	for f, b := range files[0] {
		if !bytes.Equal(b, files[1][f]) {
			t.Errorf("%s differs between --jobs 1 and --jobs 4", f)
		}
	}
}

// TestBoundarySweepShape: at 0–40 ms every run is three-way, from 50 ms on
// every run is four-way (the 250 Hz tick puts the delayed ACK at 40–44 ms,
// 44–48 ms when the timer is late).
func TestBoundarySweepShape(t *testing.T) {
	res, err := Stream(context.Background(), boundaryPlan(50), io.Discard, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Summaries {
		d := 5 * i
		three := s.Types[results.ThreeWay].N
		four := s.Types[results.FourWay].N
		switch {
		case d <= 40 && three != 50:
			t.Errorf("close_delay %dms: %d three-way of 50", d, three)
		case d >= 50 && four != 50:
			t.Errorf("close_delay %dms: %d four-way of 50", d, four)
		}
	}
}

// BenchmarkSweep runs the delayed-ack-boundary sweep, 21 points × 1000
// runs. One op is the whole sweep; runs/s is the figure to read, and
// runs/CPU-s (the process's CPU time, GC included) the one that does not
// depend on what else the machine runs.
//
//   - jobs=2: the runner on two workers, runs.csv formatted and discarded;
//   - alone: the same runs one after another on one sim.Worker, classified
//     and nothing else: the cost of the runs themselves, the baseline the
//     runner's runs/CPU-s is compared with (their ratio is the runner's
//     overhead, and 2 × alone's runs/s the most two cores could give).
func BenchmarkSweep(b *testing.B) {
	plan := boundaryPlan(1000)
	runs := float64(len(plan.Points) * plan.Runs)
	b.Run("jobs=2", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, err := Stream(context.Background(), plan, io.Discard, Options{Jobs: 2}); err != nil {
				b.Fatal(err)
			}
		}
		reportRuns(b, float64(b.N)*runs, cpuTime()-cpu)
	})
	b.Run("alone", func(b *testing.B) {
		b.ReportAllocs()
		w := sim.NewWorker()
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			for p := range plan.Points {
				for r := 0; r < plan.Runs; r++ {
					run, _, err := RunRow(w, plan, p, r)
					if err != nil {
						b.Fatal(err)
					}
					_ = results.Classify(run)
				}
			}
		}
		reportRuns(b, float64(b.N)*runs, cpuTime()-cpu)
	})
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRuns reports runs per second of wall time and of CPU time.
func reportRuns(b *testing.B, runs float64, cpu time.Duration) {
	b.ReportMetric(runs/b.Elapsed().Seconds(), "runs/s")
	if cpu > 0 {
		b.ReportMetric(runs/cpu.Seconds(), "runs/CPU-s")
	}
}

// BenchmarkSweepMemory streams a sweep of a million runs (15 points of the
// delayed-ack-boundary kind) to a discarded runs.csv and reports the peak
// RSS: the reorder window bounds what is held, so memory does not grow
// with the number of runs (10 million runs of `emu run` peak at about
// 30 MB as well).
func BenchmarkSweepMemory(b *testing.B) {
	plan := boundaryPlan(50_000) // 21 points × 50 000 runs ≈ 1 million runs
	for i := 0; i < b.N; i++ {
		if _, err := Stream(context.Background(), plan, io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
	b.ReportMetric(float64(b.N)*21*50_000/b.Elapsed().Seconds(), "runs/s")
}

// points100k is a sweep of 100 000 points (close_delay 0 to 99.999 ms in
// steps of 1 µs), 10 runs each.
const points100k = `
name: points-100k
seed: 1
runs: 10
stop_after: 5m
profile: linux
link: {delay: 25us}
vars: {close_delay: 0ms}
client: {do: [connect, {send: 100B}, close]}
server: {do: [accept, {read: eof}, {sleep: "${close_delay}"}, close]}
sweep:
  close_delay: {from: 0us, to: 99999us, step: 1us}
`

// BenchmarkSweepPoints resolves, runs and writes (runs.csv, summary.csv,
// summary.json) the 100 000-point sweep, a million runs, as emu run does:
// where the time goes when points, not runs, are many. Run it with
// -benchtime=1x.
func BenchmarkSweepPoints(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := scenarios.Load("points-100k.yaml", []byte(points100k))
		if err != nil {
			b.Fatal(err)
		}
		points, err := s.Points()
		if err != nil {
			b.Fatal(err)
		}
		plan := NewPlan(points, "test", 0, 0, false)
		plan.Origin = []byte(points100k)
		if _, err := Execute(context.Background(), plan, b.TempDir(), Options{Jobs: 2}); err != nil {
			b.Fatal(err)
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}
