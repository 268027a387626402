package sim

import (
	"math"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// sendAndClose is a client that sends 100 bytes and closes; readAndThen a
// server that reads to end of file and then runs then.
func sendAndClose() []tcp.Op {
	return []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}}
}

func readAndThen(then ...tcp.Op) []tcp.Op {
	return append([]tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}}, then...)
}

func linuxParams(delay time.Duration, client, server []tcp.Op) *Params {
	s, _ := tcp.Profile("linux")
	l := netlink.DefaultConfig()
	l.Delay = delay
	return &Params{
		Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:    Endpoint{TCP: s, Do: client},
		Server:    Endpoint{TCP: s, Do: server},
		StopAfter: 5 * time.Minute,
	}
}

// TestChildCrashKeepsListener: with many connections each connection's
// server process is a child of the listening process, so a child that
// crashes ends its own connection only. Each child here reads everything
// and crashes: the kernel closes its socket as close() would, within the
// 40 ms delayed-ACK window of the client's FIN, so every connection is
// three-way — before listeners belonged to the parent, the first crash
// closed the listener and every later connect was refused.
func TestChildCrashKeepsListener(t *testing.T) {
	p := linuxParams(time.Millisecond, sendAndClose(), readAndThen(tcp.Op{Kind: tcp.OpCrash}))
	p.Connections = Connections{Count: 5, Every: time.Second}
	w := NewWorker()
	r, err := w.Run(p, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.Connections != 5 || st.ConnectionsFailed != 0 || st.CloseTypes[results.ThreeWay] != 5 {
		t.Errorf("connections %d, failed %d, close types %v; want 5 three-way", st.Connections, st.ConnectionsFailed, st.CloseTypes)
	}
	if r.Exit != [2]string{"ok", "crash"} {
		t.Errorf("exits %v, want [ok crash]", r.Exit)
	}
}

// TestSingleServerCrashClosesListener: with one connection the server
// process holds the listener itself, so its crash closes it; a connection
// that arrives afterwards is refused (RST to the SYN).
func TestSingleServerCrashClosesListener(t *testing.T) {
	p := linuxParams(time.Millisecond, sendAndClose(), readAndThen(tcp.Op{Kind: tcp.OpCrash}))
	w := NewWorker()
	if _, err := w.Run(p, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	if l := w.server.Listener(ServerPort); l != nil {
		t.Error("the crashed server's listener is still open")
	}
}

// TestNoListener: listen: false leaves the port closed. The SYN is answered
// by RST+ACK, connect fails with ECONNREFUSED, and the run is no-connect
// with the server as first closer and RST sender (the contract's convention
// for refused connects).
func TestNoListener(t *testing.T) {
	p := linuxParams(time.Millisecond, []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpClose}}, nil)
	p.Server.NoListen = true
	w := NewWorker()
	w.SetTrace(&results.Trace{}) // a run keeps its segments only for a trace
	r, err := w.Run(p, 0, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Segments) != 2 || r.Segments[1].Flags != tcp.RST|tcp.ACK || r.Segments[1].At != engine.Time(time.Millisecond) {
		t.Fatalf("segments %+v, want SYN then RST+ACK at 1 ms", r.Segments)
	}
	o := results.Classify(r)
	if o.CloseType != results.NoConnect || o.RstFrom != results.ServerSide || o.FirstCloser != results.ServerSide {
		t.Errorf("outcome %v first closer %v rst from %v", o.CloseType, o.FirstCloser, o.RstFrom)
	}
	if r.Errors[results.Client] != "ECONNREFUSED" || r.Exit != [2]string{"ok", "ok"} {
		t.Errorf("errors %v exits %v", r.Errors, r.Exit)
	}
}

// TestExitColumns: how the first connection's programs ended.
func TestExitColumns(t *testing.T) {
	sleep := func(d time.Duration) tcp.Op { return tcp.Op{Kind: tcp.OpSleep, Duration: d} }
	for _, c := range []struct {
		name           string
		client, server []tcp.Op
		want           [2]string
	}{
		{"both finish", sendAndClose(), readAndThen(tcp.Op{Kind: tcp.OpClose}), [2]string{"ok", "ok"}},
		{"server still sleeping at the horizon", sendAndClose(), readAndThen(sleep(time.Hour)), [2]string{"ok", "blocked"}},
		{"client killed by SIGPIPE", []tcp.Op{{Kind: tcp.OpConnect}, sleep(10 * time.Millisecond), {Kind: tcp.OpSend, Size: 100},
			sleep(20 * time.Millisecond), {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}},
			[]tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpClose}}, [2]string{"SIGPIPE", "ok"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := NewWorker()
			r, err := w.Run(linuxParams(time.Millisecond, c.client, c.server), 0, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if r.Exit != c.want {
				t.Errorf("exits %v, want %v", r.Exit, c.want)
			}
		})
	}
}

// TestUniformThinkTime: a server that waits a uniform 0–100 ms before
// closing, on a 50 µs RTT link, closes three-way exactly when its wait ends
// before the delayed ACK of the client's FIN fires (40 ms rounded up to a
// 4 ms tick at HZ=250). The share of three-way closes over random waits
// must match the share over a deterministic sweep of the same waits.
func TestUniformThinkTime(t *testing.T) {
	const maxWait = 100 * time.Millisecond
	run := func(wait tcp.Op, seed uint64) results.CloseType {
		p := linuxParams(25*time.Microsecond, sendAndClose(), readAndThen(wait, tcp.Op{Kind: tcp.OpClose}))
		w := NewWorker()
		r, err := w.Run(p, 0, 0, seed)
		if err != nil {
			t.Fatal(err)
		}
		return results.Classify(r).CloseType
	}
	// The deterministic sweep: waits every 0.25 ms, a few seeds each (the
	// tick phase is random per run).
	var three, n float64
	for w := time.Duration(0); w <= maxWait; w += 250 * time.Microsecond {
		for seed := uint64(1); seed <= 4; seed++ {
			if run(tcp.Op{Kind: tcp.OpSleep, Duration: w}, seed*1000+uint64(w/time.Microsecond)) == results.ThreeWay {
				three++
			}
			n++
		}
	}
	swept := three / n
	random := tcp.Op{Kind: tcp.OpSleep, Dist: netlink.Jitter{Dist: netlink.JitterUniform, Max: maxWait}}
	three, n = 0, 0
	for seed := uint64(1); seed <= 3000; seed++ {
		switch run(random, engine.RunSeed(7, 0, int(seed))) {
		case results.ThreeWay:
			three++
		case results.FourWay:
		default:
			t.Fatal("a close that is neither three-way nor four-way")
		}
		n++
	}
	drawn := three / n
	t.Logf("three-way share: %.3f over swept waits, %.3f over random waits", swept, drawn)
	if math.Abs(drawn-swept) > 0.03 {
		t.Errorf("random waits give %.3f three-way, the sweep %.3f", drawn, swept)
	}
	// Both near 40–44 ms of 100 ms.
	if swept < 0.39 || swept > 0.45 {
		t.Errorf("swept share %.3f outside the delayed-ACK window's 0.40–0.44", swept)
	}
}
