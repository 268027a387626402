package runner

import (
	"fmt"
	"time"

	"github.com/emu-sim/emu/results"
)

// maxCutoffWarnings bounds the runs named one by one in the warnings; the
// rest are counted in one line.
const maxCutoffWarnings = 10

// cutoffs counts the runs that a budget ended rather than their own end:
// stop_after (the virtual-time horizon) or max_events (the event budget).
// Such a run's close type may say incomplete, and its later connections may
// never have started: the user must hear of it.
type cutoffs struct {
	runs, unnamed int64
}

// noteCutoff records run o if a budget ended it, naming the first few.
func (st *sweepState) noteCutoff(plan *Plan, o *runOutcome) {
	if !o.hitHorizon {
		return
	}
	st.cut.runs++
	if len(st.res.Warnings) >= maxCutoffWarnings {
		st.cut.unnamed++
		return
	}
	p := plan.Points[o.point].Params
	by := fmt.Sprintf("stop_after (%v)", time.Duration(p.StopAfter))
	if o.hitBudget {
		by = fmt.Sprintf("the event budget (max_events %d)", p.MaxEvents)
	}
	msg := fmt.Sprintf("point %d run %d: %s ended the run", o.point, o.run, by)
	if o.out.CloseType == results.Incomplete {
		msg += " before its first connection ended (close type incomplete)"
	}
	if o.unborn > 0 {
		msg += fmt.Sprintf("; %d of its %d connections never started", o.unborn, max(p.Connections.Count, 1))
	}
	st.res.Warnings = append(st.res.Warnings, msg)
}

// cutoffSummary adds the count of the runs not named.
func (st *sweepState) cutoffSummary() {
	if st.cut.unnamed > 0 {
		st.res.Warnings = append(st.res.Warnings, fmt.Sprintf("... and %d more runs ended by stop_after or max_events (%d in all)", st.cut.unnamed, st.cut.runs))
	}
}
