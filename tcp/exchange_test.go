package tcp

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// exchange is one table row: two programs over a link, the exact segments
// they must produce, and how each side must end.
type exchange struct {
	name           string
	delay          time.Duration // one way; 10 ms if zero
	cs, ss         Settings      // linux with exact timers if zero
	client, server []Op
	drop           func(side string, n int, seg *Segment) bool
	inject         func(p *pair) // schedules extra events (e.g. a forged RST)
	horizon        time.Duration // 10 minutes if zero
	want           []string
	cState, sState State
	cErr, sErr     Errno
	cTimeWait      time.Duration // TIME_WAIT held by the client, 0 = none, -1 = checked by check
	sTimeWait      time.Duration
	cGaveUp        bool
	sGaveUp        bool
	// apps, when set, is the exact list of application events
	// ("20.000 client connect ok", "130.000 server[2] close").
	apps []string
	// exits, when set, is how the client's and the server's first
	// processes ended, e.g. "SIGPIPE ok".
	exits string
	check func(t *testing.T, p *pair)
}

// dropNth loses the n-th segment (0-based) a side transmits.
func dropNth(side string, n int) func(string, int, *Segment) bool {
	return func(s string, i int, _ *Segment) bool { return s == side && i == n }
}

func runExchanges(t *testing.T, cases []exchange) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs, ss := c.cs, c.ss
			if cs.MSS == 0 {
				cs = linux()
			}
			if ss.MSS == 0 {
				ss = linux()
			}
			d := c.delay
			if d == 0 {
				d = 10 * time.Millisecond
			}
			h := c.horizon
			if h == 0 {
				h = 10 * time.Minute
			}
			p := newPair(t, d, cs, ss, 1)
			p.drop = c.drop
			if c.inject != nil {
				c.inject(p)
			}
			p.run(c.client, c.server, cs, ss, h)
			expectLines(t, "segments", p.lines, c.want)
			if os.Getenv("EMU_PRINT_WANT") != "" && c.want == nil {
				printWant(c.name, p)
			}
			side := func(name string, pr *Process, st State, errno Errno, tw time.Duration, gave bool) {
				e := pr.Endpoint()
				if e == nil {
					if st != Closed || errno != pr.FirstError() {
						t.Errorf("%s: no endpoint, first error %v", name, pr.FirstError())
					}
					return
				}
				if e.State() != st {
					t.Errorf("%s ends in %v, want %v", name, e.State(), st)
				}
				if pr.FirstError() != errno {
					t.Errorf("%s first error %q, want %q", name, pr.FirstError(), errno)
				}
				held, in, out := e.TimeWaitSpan()
				if out < 0 {
					out = p.sched.Now()
				}
				if tw < 0 {
					// The case checks TIME_WAIT's length itself.
				} else if got := time.Duration(0); held {
					got = out.Sub(in)
					if got != tw {
						t.Errorf("%s held TIME_WAIT %v, want %v", name, got, tw)
					}
				} else if tw != 0 {
					t.Errorf("%s never held TIME_WAIT, want %v", name, tw)
				}
				if e.GaveUp() != gave {
					t.Errorf("%s gave up = %v, want %v", name, e.GaveUp(), gave)
				}
			}
			side("client", p.cp, c.cState, c.cErr, c.cTimeWait, c.cGaveUp)
			side("server", p.sp, c.sState, c.sErr, c.sTimeWait, c.sGaveUp)
			if c.apps != nil {
				expectLines(t, "application events", p.apps, c.apps)
			}
			if got := p.cp.Exit().String() + " " + p.sp.Exit().String(); c.exits != "" && got != c.exits {
				t.Errorf("exits %q, want %q", got, c.exits)
			}
			if c.check != nil {
				c.check(t, p)
			}
			if t.Failed() {
				t.Logf("states:\n  %s", joinLines(p.state))
				t.Logf("apps:\n  %s", joinLines(p.apps))
			}
		})
	}
}

func joinLines(l []string) string {
	s := ""
	for i, x := range l {
		if i > 0 {
			s += "\n  "
		}
		s += x
	}
	return s
}

// at schedules fn at virtual time t on the bench.
func at(p *pair, t time.Duration, fn func()) {
	p.sched.At(engine.Time(t), func(engine.Time, uint64) { fn() }, 0)
}

// handshake is the exchange every test over a 10 ms link starts with.
var handshake = []string{
	"0.000 C>S SYN seq=0 ack=0 len=0",
	"10.000 S>C SYN,ACK seq=0 ack=1 len=0",
	"20.000 C>S ACK seq=1 ack=1 len=0",
}

func withHandshake(lines ...string) []string {
	return append(append([]string{}, handshake...), lines...)
}

// printWant prints a case's outcome as Go fields, for writing a new case
// (EMU_PRINT_WANT=1); every printed case is reviewed by hand before it is kept.
func printWant(name string, p *pair) {
	fmt.Printf("//CASE %s\n", name)
	fmt.Printf("want: []string{\n")
	for _, l := range p.lines {
		fmt.Printf("%q,\n", l)
	}
	fmt.Printf("},\n")
	for _, x := range []struct {
		side string
		pr   *Process
	}{{"c", p.cp}, {"s", p.sp}} {
		e := x.pr.Endpoint()
		if e == nil {
			if x.pr.FirstError() != ErrNone {
				fmt.Printf("%sErr: %s,\n", x.side, x.pr.FirstError())
			}
			continue
		}
		fmt.Printf("%sState: %s,\n", x.side, goState(e.State()))
		if x.pr.FirstError() != ErrNone {
			fmt.Printf("%sErr: %s,\n", x.side, x.pr.FirstError())
		}
		if held, in, out := e.TimeWaitSpan(); held {
			if out < 0 {
				out = p.sched.Now()
			}
			if d := out.Sub(in); d%time.Millisecond == 0 {
				fmt.Printf("%sTimeWait: %d * time.Millisecond,\n", x.side, d.Milliseconds())
			} else {
				fmt.Printf("%sTimeWait: %d,\n", x.side, int64(d))
			}
		}
		if e.GaveUp() {
			fmt.Printf("%sGaveUp: true,\n", x.side)
		}
	}
	fmt.Printf("//END\n")
}

func goState(s State) string {
	names := map[State]string{Closed: "Closed", Listen: "Listen", SynSent: "SynSent", SynReceived: "SynReceived",
		Established: "Established", FinWait1: "FinWait1", FinWait2: "FinWait2", CloseWait: "CloseWait",
		Closing: "Closing", LastAck: "LastAck", TimeWait: "TimeWait"}
	return names[s]
}
