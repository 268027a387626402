package packetdrill

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
	"github.com/emu-sim/emu/tcp/scripted"
)

// Options configure a run.
type Options struct {
	// Profile names the kernel whose option lists the endpoint's segments
	// carry (linux, freebsd, windows, rfc9293); Settings are the endpoint's
	// TCP settings (the profile's, with any --set applied).
	Profile  string
	Settings tcp.Settings
	// Tolerance overrides the script's --tolerance_usecs when positive;
	// TolerancePercent the script's --tolerance_percent when not negative.
	Tolerance        time.Duration
	TolerancePercent float64
	// Strict compares TCP timestamp values and windows too (scripts that
	// assert them are then unsupported or fail: emu models neither).
	Strict bool
	// Seed picks the endpoint's ISN and timer phase; results never depend
	// on it except through the timer tick phase (hz).
	Seed uint64
	// EventBudget bounds the events one script may run (0: 10 million).
	EventBudget uint64
}

// packetdrill's defaults (config.c).
const (
	defaultTolerance = 4 * time.Millisecond
	defaultPercent   = 12.5
	// How long past a `>` line's time the runner waits for the segment
	// before it says the segment never came (packetdrill waits 2 s more).
	lateWait = 2 * time.Second
	// How long a `*` line waits at most.
	anyWait = time.Hour
	// packetdrill's local port and the remote's port.
	localPort  = 8080
	remotePort = 40000
)

type runner struct {
	sc    *Script
	opt   Options
	model optionModel
	sched *engine.Scheduler
	peer  *scripted.Peer
	fds   []*sock // by descriptor; nil = free

	queue  []scripted.Sent // segments emu sent that no `>` line took yet
	offer  peerOffer       // the remote's SYN options
	budget uint64
	tol    time.Duration
	pct    float64

	lastScript  engine.Time // script time of the previous event
	lastInbound bool
	bg          *blocked // a blocking call running in the background
	fail        *Result
	lenient     []string
	ignored     []Ignored
	ran         []engine.Time // when each event ran
	cur         *Event        // the event being run (or waited for)
}

// blocked is a call waiting in virtual time.
type blocked struct {
	ev      *Event
	try     func() (done bool, ret int64, errno string)
	end     engine.Time // expected return time (background calls)
	tol     time.Duration
	started engine.Time
}

// Run executes a parsed script against a fresh emu endpoint and reports
// the outcome. It never hangs: virtual time and an event budget bound it.
func Run(sc *Script, opt Options) Result {
	if f := needs(sc, opt); f != "" {
		return Result{Status: Unsupported, Feature: f}
	}
	r := &runner{sc: sc, opt: opt, model: modelFor(opt.Profile), sched: engine.NewScheduler()}
	r.budget = opt.EventBudget
	if r.budget == 0 {
		r.budget = 10_000_000
	}
	r.tol, r.pct = defaultTolerance, defaultPercent
	if sc.Tolerance > 0 {
		r.tol = sc.Tolerance
	}
	if sc.TolerancePercent >= 0 {
		r.pct = sc.TolerancePercent
	}
	if opt.Tolerance > 0 {
		r.tol = opt.Tolerance
	}
	if opt.TolerancePercent >= 0 {
		r.pct = opt.TolerancePercent
	}
	r.ignored = append([]Ignored(nil), sc.Ignored...)
	r.peer = scripted.New(r.sched, opt.Seed, opt.Settings.HZ)
	r.peer.PeerPort, r.peer.LocalPort = remotePort, localPort
	r.peer.OnSend = func(s *scripted.Sent) { r.queue = append(r.queue, *s) }
	for i := range sc.Events {
		ok := r.event(&sc.Events[i])
		r.ran = append(r.ran, r.sched.Now())
		if !ok {
			break
		}
	}
	if r.fail == nil {
		r.finish()
	}
	notes := append(ignoredNotes(r.ignored), r.lenient...)
	if r.fail != nil {
		if r.fail.Status == Fail {
			// What was not run may explain the failure (a shell line that
			// set a route or a sysctl).
			r.fail.Lenient = notes
		}
		return *r.fail
	}
	return Result{Status: Pass, Lenient: notes}
}

// ignoredNotes summarises the lines not executed, by kind, in line order.
func ignoredNotes(ig []Ignored) []string {
	sort.SliceStable(ig, func(i, j int) bool { return ig[i].Line < ig[j].Line })
	var shell, code, flags []string
	for _, x := range ig {
		switch {
		case x.What == "shell command":
			shell = append(shell, strconv.Itoa(x.Line))
		case x.What == "code block":
			code = append(code, strconv.Itoa(x.Line))
		default:
			flags = append(flags, strings.TrimPrefix(x.What, "flag "))
		}
	}
	var out []string
	lines := func(what string, l []string) {
		switch len(l) {
		case 0:
		case 1:
			out = append(out, what+" not run (line "+l[0]+")")
		default:
			out = append(out, what+"s not run (lines "+strings.Join(l, ", ")+")")
		}
	}
	lines("shell command", shell)
	lines("code block", code)
	if len(flags) > 0 {
		out = append(out, "flags ignored: "+strings.Join(flags, " "))
	}
	return out
}

func (r *runner) note(s string) {
	for _, x := range r.lenient {
		if x == s {
			return
		}
	}
	r.lenient = append(r.lenient, s)
}

func (r *runner) failAt(ev *Event, actual, format string, a ...any) {
	if r.fail != nil {
		return
	}
	r.fail = &Result{Status: Fail, File: r.sc.File, Line: ev.Line, Msg: fmt.Sprintf(format, a...), Expected: ev.Text, Actual: actual}
}

func (r *runner) unsupported(feature string) {
	if r.fail == nil {
		r.fail = &Result{Status: Unsupported, Feature: feature}
	}
}

func secs(t engine.Time) string { return fmt.Sprintf("%.6f", float64(t)/1e9) }

// window returns when an event is expected: from start to end (equal
// unless a range), with its tolerance; anyTime is true for `*`.
func (r *runner) window(ev *Event) (start, end engine.Time, tol time.Duration, anyTime bool) {
	now := r.sched.Now()
	inbound := ev.Kind == PacketEvent && ev.Packet.Inbound
	var offset engine.Time
	switch ev.When.Kind {
	case Any:
		return now, now, 0, true
	case Relative, RelativeRange:
		// Consecutive inbound packets are anchored to the previous one's
		// script time, everything else to when the previous event
		// happened (packetdrill adjust_relative_event_times).
		offset = now
		if inbound && r.lastInbound {
			offset = r.lastScript
		}
	}
	start = offset.Add(ev.When.Start)
	end = start
	if ev.When.Kind == AbsoluteRange || ev.When.Kind == RelativeRange {
		end = offset.Add(ev.When.End)
	}
	tol = r.tol
	if d := start.Sub(r.lastScript); d > 0 {
		tol = max(tol, time.Duration(r.pct/100*float64(d)))
	}
	if ev.When.Approx {
		tol = max(2*tol, ev.When.Start/4)
	}
	return start, end, tol, false
}

func (r *runner) event(ev *Event) bool {
	r.cur = ev
	start, end, tol, anyTime := r.window(ev)
	switch {
	case ev.Kind == PacketEvent && !ev.Packet.Inbound:
		r.expect(ev, start, end, tol, anyTime)
	case ev.Kind == IgnoredEvent:
		r.advanceTo(start)
		r.ignored = append(r.ignored, Ignored{ev.Line, ev.Ignore})
	default:
		if now := r.sched.Now(); now > start.Add(tol) {
			// A blocking call kept the script from this line in time.
			what := "inbound packet"
			if ev.Kind == CallEvent {
				what = "system call start"
			}
			r.failAt(ev, "", "timing error: expected %s at %s sec but happened at %s sec; tolerance %s sec",
				what, secs(start), secs(now), secs(engine.Time(tol)))
			return false
		}
		r.advanceTo(start)
		if r.fail != nil {
			return false
		}
		if ev.Kind == PacketEvent {
			r.inject(ev)
		} else {
			r.call(ev, start)
		}
		// The segment or call may be what a background call waits for.
		r.afterEvent()
	}
	r.lastScript = start
	r.lastInbound = ev.Kind == PacketEvent && ev.Packet.Inbound
	return r.fail == nil
}

// advanceTo runs emu's events up to and including time t (those already
// due at t run before the script's action, as a kernel's softirq work runs
// before the application).
func (r *runner) advanceTo(t engine.Time) {
	t = max(t, r.sched.Now())
	reached := false
	r.sched.At(t, func(engine.Time, uint64) { reached = true }, 0)
	r.stepUntil(engine.Never, func() bool { return reached })
}

// stepUntil runs events one at a time, none later than horizon, until stop
// holds; it reports whether stop held.
func (r *runner) stepUntil(horizon engine.Time, stop func() bool) bool {
	for {
		if stop() {
			return true
		}
		if r.fail != nil {
			return false
		}
		if r.sched.Executed() >= r.budget {
			r.failAt(r.cur, "", "event budget of %d events spent at %s sec: emu keeps scheduling events", r.budget, secs(r.sched.Now()))
			return false
		}
		// A horizon of 0 would mean none.
		res := r.sched.Run(engine.Limits{Horizon: max(horizon, 1), Events: 1})
		if res.Executed == 0 {
			return stop()
		}
		r.afterEvent()
	}
}

// afterEvent finishes a background blocking call that can now return.
func (r *runner) afterEvent() {
	b := r.bg
	if b == nil {
		return
	}
	done, ret, errno := b.try()
	if !done {
		return
	}
	r.bg = nil
	r.checkResult(b.ev, ret, errno)
	now := r.sched.Now()
	if now < b.end.Add(-b.tol) || now > b.end.Add(b.tol) {
		r.failAt(b.ev, "", "timing error: expected system call return at %s sec but happened at %s sec; tolerance %s sec",
			secs(b.end), secs(now), secs(engine.Time(b.tol)))
	}
}

// finish checks the end of the script: no call still blocked, no segment
// emu sent before the last line that the script never expected.
func (r *runner) finish() {
	if b := r.bg; b != nil {
		r.cur = b.ev
		// packetdrill waits a moment for a blocking call to return.
		r.stepUntil(max(b.end.Add(b.tol), r.sched.Now()), func() bool { return r.bg == nil })
		if r.fail != nil {
			return
		}
	}
	if r.bg != nil {
		r.failAt(r.bg.ev, "", "the script ended while this blocking %s call was still waiting (since %s sec)", r.bg.ev.Call.Name, secs(r.bg.started))
		return
	}
	for _, s := range r.queue {
		if s.At >= r.lastScript {
			continue
		}
		// Blame the first line that ran after the segment left: the
		// script should have expected it before that line.
		at := &r.sc.Events[len(r.sc.Events)-1]
		for i, t := range r.ran {
			if t > s.At {
				at = &r.sc.Events[i]
				break
			}
		}
		r.failAt(at, r.describe(s), "emu sent a segment at %s sec that the script does not expect before this line", secs(s.At))
		return
	}
}
