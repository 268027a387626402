package engine

import (
	"strconv"
	"time"
)

// Time is a point in virtual time: nanoseconds since the start of a run.
// It is deliberately not time.Time, so that no wall-clock value can be mixed
// into a simulation by accident.
type Time int64

// Never is a Time later than any event a run can schedule.
const Never Time = 1<<63 - 1

// Add returns t+d, saturating at Never.
func (t Time) Add(d time.Duration) Time {
	r := t + Time(d)
	if d > 0 && r < t {
		return Never
	}
	return r
}

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as a duration since the start of the run.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Milliseconds returns t in (fractional) milliseconds.
func (t Time) Milliseconds() float64 { return float64(t) / 1e6 }

// String formats t as milliseconds with microsecond precision, e.g. "40.125ms",
// the unit in which TCP teardown is usually discussed.
func (t Time) String() string {
	if t == Never {
		return "never"
	}
	return strconv.FormatFloat(float64(t)/1e6, 'f', 3, 64) + "ms"
}
