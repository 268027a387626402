package kernel

import (
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/results/capture"
)

// failedConnect reports whether a client program's connect failed, or
// never returned before the run ended.
func failedConnect(events []Event, alive bool) bool {
	for _, e := range events {
		if e.Call == "connect" {
			return e.Result != "ok"
		}
	}
	return alive
}

// timeWaitLen is Linux's TIME_WAIT, fixed at 60 s (TCP_TIMEWAIT_LEN).
const timeWaitLen = 60 * time.Second

// count tallies the run's connections, classified from the capture, for
// the connections_<type> columns, and the most TIME_WAITs one host held at
// once: by the capture conventions each holder enters TIME_WAIT with the
// connection's last segment and holds it 60 s (or to the capture's end).
// Connects that put nothing on the wire (no free port) count as
// no-connect.
func (res *RunResult) count(conns []capture.Connection) {
	type span struct{ in, out engine.Time }
	var tw [2][]span
	for i := range conns {
		c := &conns[i]
		res.Types[c.Outcome.CloseType]++
		if len(c.Run.Segments) == 0 {
			continue
		}
		last := c.Run.Segments[len(c.Run.Segments)-1].At
		for _, side := range []results.Side{results.Client, results.Server} {
			if c.Outcome.TimeWaitSide.Has(side) {
				tw[side] = append(tw[side], span{last, min(c.Run.End, last.Add(timeWaitLen))})
			}
		}
	}
	if missing := res.Failed - res.Types[results.NoConnect]; missing > 0 {
		res.Types[results.NoConnect] += missing
	}
	for _, spans := range tw {
		for _, a := range spans {
			n := 0
			for _, b := range spans {
				if b.in <= a.in && a.in < max(b.out, b.in+1) {
					n++
				}
			}
			res.PeakTimeWait = max(res.PeakTimeWait, n)
		}
	}
}

// summarize reads a side's events: how its main process ended, its first
// error (the main process's, else a child's), and the bytes all its
// processes sent and received.
func summarize(events []Event, alive bool, mainProc string) (exit, firstErr string, sent, received int64) {
	last := map[string]Event{}
	var order []string
	exit = "blocked"
	for _, e := range events {
		if _, ok := last[e.Proc]; !ok {
			order = append(order, e.Proc)
		}
		last[e.Proc] = e
		if e.Proc == mainProc && e.Exit != "" {
			exit = e.Exit
		}
	}
	if alive && exit != "ok" {
		exit = "blocked"
	}
	for _, p := range order {
		if mainProc != "main" && p != mainProc {
			// A forking server's other connections are not this one's.
			continue
		}
		e := last[p]
		sent += e.Sent
		received += e.Received
		if firstErr == "" || p == mainProc && e.Error != "" {
			if e.Error != "" {
				firstErr = e.Error
			}
		}
	}
	return exit, firstErr, sent, received
}
