package sim

import (
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

func boundaryParams(closeDelay time.Duration, profile string) *Params {
	s, _ := tcp.Profile(profile)
	l := netlink.DefaultConfig()
	l.Delay = 25 * time.Microsecond
	return &Params{
		Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:    Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}}},
		Server:    Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpSleep, Duration: closeDelay}, {Kind: tcp.OpClose}}},
		StopAfter: 5 * time.Minute,
		MaxEvents: 1e6,
	}
}

// TestRunClassifies runs the delayed-ACK boundary end to end through links
// and classification.
func TestRunClassifies(t *testing.T) {
	w := NewWorker()
	for _, c := range []struct {
		delay   time.Duration
		profile string
		want    results.CloseType
	}{
		{0, "linux", results.ThreeWay},
		{30 * time.Millisecond, "linux", results.ThreeWay},
		{100 * time.Millisecond, "linux", results.FourWay},
		{10 * time.Millisecond, "freebsd", results.FourWay},
	} {
		r, err := w.Run(boundaryParams(c.delay, c.profile), 0, 0, engine.RunSeed(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		o := results.Classify(r)
		if o.CloseType != c.want {
			t.Errorf("%s close after %v: %v, want %v", c.profile, c.delay, o.CloseType, c.want)
		}
		if o.FirstCloser != results.ClientSide || o.TimeWaitSide != results.ClientSide {
			t.Errorf("first closer %v, time-wait side %v", o.FirstCloser, o.TimeWaitSide)
		}
		if r.HitHorizon || r.FinalState != [2]string{"CLOSED", "CLOSED"} {
			t.Errorf("end: horizon %v, states %v", r.HitHorizon, r.FinalState)
		}
		if r.BytesSent[0] != 100 || r.BytesReceived[1] != 100 {
			t.Errorf("bytes %v %v", r.BytesSent, r.BytesReceived)
		}
	}
}

// TestRunDeterministic: the same seed gives the same segments, another seed
// other ISNs, on a reused worker.
func TestRunDeterministic(t *testing.T) {
	p := boundaryParams(41*time.Millisecond, "linux")
	p.Client.TCP.HZ, p.Server.TCP.HZ = 250, 250
	w := NewWorker()
	w.SetTrace(&results.Trace{}) // a run keeps its segments only for a trace
	a, _ := w.Run(p, 0, 0, 7)
	first := append([]results.Segment(nil), a.Segments...)
	w.Run(p, 0, 1, 8)
	b, _ := w.Run(p, 0, 0, 7)
	if len(first) != len(b.Segments) {
		t.Fatalf("%d segments, then %d", len(first), len(b.Segments))
	}
	for i := range first {
		if first[i] != b.Segments[i] {
			t.Fatalf("segment %d differs: %+v vs %+v", i, first[i], b.Segments[i])
		}
	}
}
