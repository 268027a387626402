package sim

import (
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// boundFuncs are a worker's methods as function values. Go allocates a
// method value each time one is taken, and a run hands several of them to
// the hosts: made once per worker, a run of a sweep allocates none.
type boundFuncs struct {
	fromClient, fromServer tcp.Output
	endpointClosed         func(*tcp.Endpoint)
	forkServer             func()
}

func (w *Worker) bind() boundFuncs {
	return boundFuncs{fromClient: w.fromClient, fromServer: w.fromServer,
		endpointClosed: w.endpointClosed, forkServer: w.forkServer}
}

// Events returns how many events the last run executed: a sweep sizes its
// batches of runs by it (cheap runs in large batches, long ones alone).
func (w *Worker) Events() uint64 { return w.events }

// NumExtraColumns is len(ExtraColumns).
const NumExtraColumns = 3 + results.NumCloseTypes

// Array returns the stats in the order of ExtraColumns, as Values does,
// without allocating.
func (s *Stats) Array() [NumExtraColumns]int {
	var a [NumExtraColumns]int
	a[0], a[1], a[2] = s.Connections, s.ConnectionsFailed, s.PeakTimeWait
	copy(a[3:], s.CloseTypes[:])
	return a
}
