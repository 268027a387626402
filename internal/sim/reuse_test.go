package sim

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// TestStatsArray: the fixed-size form holds the columns of ExtraColumns in
// their order, as Values does.
func TestStatsArray(t *testing.T) {
	if len(ExtraColumns) != NumExtraColumns {
		t.Fatalf("%d extra columns, NumExtraColumns %d", len(ExtraColumns), NumExtraColumns)
	}
	s := Stats{Connections: 7, ConnectionsFailed: 2, PeakTimeWait: 5}
	s.CloseTypes[results.FourWay] = 4
	s.CloseTypes[results.NoConnect] = 2
	a := s.Array()
	if !slices.Equal(a[:], s.Values()) {
		t.Errorf("Array() = %v, Values() = %v", a, s.Values())
	}
	if a[0] != 7 || a[1] != 2 || a[2] != 5 || a[3+int(results.FourWay)] != 4 || a[3+int(results.NoConnect)] != 2 {
		t.Errorf("Array() = %v", a)
	}
}

// TestReusedWorkerSameAsFresh: a worker that ran other runs before — cut
// short with timers pending and sockets half closed, of many connections,
// with a crash — runs the next one exactly as a new worker does: the
// endpoints, processes and listeners it reuses start zeroed.
func TestReusedWorkerSameAsFresh(t *testing.T) {
	target := boundaryParams(41*time.Millisecond, "linux")
	target.Client.TCP.HZ, target.Server.TCP.HZ = 250, 250
	cut := boundaryParams(100*time.Millisecond, "linux")
	cut.StopAfter = 45 * time.Millisecond // the server is still asleep, the client in FIN_WAIT_2
	inFlight := boundaryParams(0, "linux")
	inFlight.StopAfter = 60 * time.Microsecond // the client's data is on the link, unacknowledged
	crash := linuxParams(time.Millisecond, sendAndClose(), readAndThen(tcp.Op{Kind: tcp.OpCrash}))
	many := shortConnections(30, time.Millisecond, time.Minute, tcp.HostSettings{})
	trace := func(w *Worker) results.Trace {
		var tr results.Trace
		w.SetTrace(&tr)
		if _, err := w.Run(target, 3, 5, 99); err != nil {
			t.Fatal(err)
		}
		w.SetTrace(nil)
		return tr
	}
	want := trace(NewWorker())
	for _, before := range [][]*Params{{cut}, {inFlight}, {many}, {crash, cut, many}, {many, inFlight, crash}} {
		w := NewWorker()
		for i, p := range before {
			if _, err := w.Run(p, 0, i, uint64(7+i)); err != nil {
				t.Fatal(err)
			}
		}
		if got := trace(w); !reflect.DeepEqual(got, want) {
			t.Errorf("after %d other runs the trace differs:\n got %+v\nwant %+v", len(before), got.Wire, want.Wire)
		}
	}
}

// TestSweepRunAllocatesNothing: once a worker has run a run of its kind,
// the next ones (other seeds) allocate nothing: a sweep of millions of runs
// makes no garbage.
func TestSweepRunAllocatesNothing(t *testing.T) {
	p := boundaryParams(41*time.Millisecond, "linux")
	p.Client.TCP.HZ, p.Server.TCP.HZ = 250, 250
	w := NewWorker()
	seed := uint64(1)
	for range 10 {
		seed++
		if _, err := w.Run(p, 0, 0, seed); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(200, func() {
		seed++
		r, err := w.Run(p, 0, 0, seed)
		if err != nil {
			t.Fatal(err)
		}
		_ = results.Classify(r)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
