package results

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// FracDecimals is the number of decimals written for fractions, confidence
// bounds and retransmits_mean: 6 (one part in a million, finer than any
// sweep emu can run in reasonable time resolves), trailing zeros trimmed.
const FracDecimals = 6

// Micros rounds d to whole microseconds, halves away from zero. Times are
// written with microsecond resolution, and statistics are computed from the
// same rounded values, so that a summary recomputed from runs.csv (emu
// merge) is identical to the one computed during the run.
func Micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	rem := d % time.Microsecond
	switch {
	case rem >= 500:
		us++
	case rem <= -500:
		us--
	}
	return us
}

// FormatMs writes d in milliseconds with at most 3 decimals, rounded half
// away from zero to the microsecond and then written in its shortest form:
// "40", "40.5", "40.125", "0.001", "-2.25". Integer arithmetic throughout,
// so no binary rounding can creep in.
func FormatMs(d time.Duration) string { return formatMicros(Micros(d)) }

// AppendMs appends d as FormatMs writes it, without allocating, for
// writers of many rows.
func AppendMs(b []byte, d time.Duration) []byte { return appendMicros(b, Micros(d)) }

// formatMicros writes us microseconds as milliseconds in shortest form.
func formatMicros(us int64) string { return string(appendMicros(nil, us)) }

// appendMicros appends us microseconds as milliseconds in shortest form.
func appendMicros(b []byte, us int64) []byte {
	u := uint64(us)
	if us < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/1000, 10)
	if frac := u % 1000; frac != 0 {
		d := []byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		for d[len(d)-1] == '0' {
			d = d[:len(d)-1]
		}
		b = append(b, d...)
	}
	return b
}

// formatMsValue writes a statistic in milliseconds (already rounded to the
// microsecond by the statistics code) the way FormatMs writes times; NaN,
// an undefined statistic, is written as "".
func formatMsValue(ms float64) string {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return ""
	}
	return formatMicros(int64(math.Round(ms * 1000)))
}

// formatFrac writes x rounded to FracDecimals decimals (correctly rounded
// from its binary value by strconv), trailing zeros trimmed: "0.25", "1",
// "0.236593". NaN is written as "".
func formatFrac(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	s := strconv.FormatFloat(x, 'f', FracDecimals, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
