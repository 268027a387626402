package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/emu-sim/emu/tcp"
)

// timeWaitHeap runs n short connections, one every millisecond, and stops
// the run while every one of them still holds its 60 s TIME_WAIT; it
// returns the heap the worker then holds and the TIME_WAIT count.
func timeWaitHeap(t *testing.T, n int) (heap uint64, timeWait int) {
	t.Helper()
	p := shortConnections(n, time.Millisecond, time.Duration(n)*time.Millisecond+time.Second, tcp.DefaultHostSettings())
	w := NewWorker()
	if _, err := w.Run(p, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(w)
	return m.HeapAlloc, w.Stats().PeakTimeWait
}

// TestTimeWaitBytes: a connection in TIME_WAIT whose processes are done
// keeps what Linux's timewait socket keeps (ports, the sequence numbers
// and timestamp it answers with, its timer) and the record that classifies
// it, a few hundred bytes, not its two sockets and processes (about
// 2 900 bytes before compaction). The cost is the heap's growth between a
// run ending with 4 000 and one ending with 24 000 TIME_WAITs, per
// TIME_WAIT.
func TestTimeWaitBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs of 24 000 connections")
	}
	const lo, hi = 4000, 24000
	h1, tw1 := timeWaitHeap(t, lo)
	h2, tw2 := timeWaitHeap(t, hi)
	if tw1 < lo-1 || tw2 < hi-1 {
		t.Fatalf("TIME_WAIT peaks %d and %d, want %d and %d", tw1, tw2, lo, hi)
	}
	per := (float64(h2) - float64(h1)) / float64(tw2-tw1)
	t.Logf("%.0f bytes per TIME_WAIT connection", per)
	if per > 600 {
		t.Errorf("%.0f bytes per TIME_WAIT connection, want at most 600", per)
	}
}
