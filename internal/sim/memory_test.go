package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

// TestRunMemoryFlat: a long lossy bulk transfer (4 million events, some
// 400 000 segments of one connection) leaves the worker holding a few
// megabytes, not every segment: the first connection is classified as it
// runs. Keeping the segments took about 100 bytes per event.
func TestRunMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a run of 4 million events")
	}
	p := boundaryParams(0, "linux")
	loss := netlink.Loss{Model: netlink.LossBernoulli, P: 0.01}
	p.Link.Forward.Loss, p.Link.Reverse.Loss = loss, loss
	p.Client.Do = []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 1 << 40}, {Kind: tcp.OpClose}}
	p.StopAfter = time.Hour
	p.MaxEvents = 4_000_000
	w := NewWorker()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := w.Run(p, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !r.HitBudget {
		t.Fatalf("the run ended before its budget")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > 32<<20 {
		t.Errorf("the worker holds %d MB after the run", grown>>20)
	}
	runtime.KeepAlive(w)
}
