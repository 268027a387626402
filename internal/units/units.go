// Package units parses the quantities scenario files and settings are written
// in: Go durations ("40ms", "1.5s"), sizes ("100B", "64KiB", "1MB") and rates
// ("10Mbit", "1Gbit"). Errors say what form is expected, so that a scenario
// error can be fixed without reading the manual.
package units

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a Go duration ("40ms", "1.5s", "2m"). A bare "0" is
// accepted. Negative durations are rejected: no delay or timer in emu can be
// negative.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if durationForm.MatchString(s) {
			return 0, fmt.Errorf("duration %q is too long (at most 2562047h, about 292 years)", s)
		}
		return 0, fmt.Errorf("%q is not a duration (write e.g. 40ms, 1.5s, 2m)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}

// durationForm matches the form of a Go duration; one that matches but does
// not parse is too long for time.Duration.
var durationForm = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// FormatDuration writes d in the form ParseDuration reads.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return d.String()
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	// Longest suffixes first so that "KiB" is not read as "B".
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"kB", 1e3},
	{"B", 1},
}

// ParseSize parses a byte count: "100B", "64KiB", "1MB". A bare integer is
// bytes. Fractions must come out as whole bytes.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num, mult := s, 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a size (write e.g. 100B, 64KiB, 1MB)", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	b := v * mult
	if b > 1<<50 {
		return 0, fmt.Errorf("size %q is too large (at most 1024TiB)", s)
	}
	if b != math.Trunc(b) {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	return int64(b), nil
}

// FormatSize writes n bytes in the largest binary unit that divides it.
func FormatSize(n int64) string {
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

var rateUnits = []struct {
	suffix string
	mult   float64
}{
	{"Gbit", 1e9}, {"Mbit", 1e6}, {"Kbit", 1e3}, {"kbit", 1e3}, {"bit", 1},
	{"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}, {"kbps", 1e3}, {"bps", 1},
}

// ParseRate parses a link rate in bits per second: "10Mbit", "1Gbit", "64kbit".
func ParseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, u := range rateUnits {
		if !strings.HasSuffix(s, u.suffix) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			break
		}
		if v <= 0 {
			return 0, fmt.Errorf("rate %q must be positive (omit rate for an unlimited link)", s)
		}
		r := v * u.mult
		if r < 1 || r > 1e15 {
			return 0, fmt.Errorf("rate %q is out of range (1bit to 1000000Gbit)", s)
		}
		return int64(math.Round(r)), nil
	}
	return 0, fmt.Errorf("%q is not a rate (write e.g. 10Mbit, 1Gbit)", s)
}

// FormatRate writes a rate in bits per second in the form ParseRate reads.
func FormatRate(r int64) string {
	switch {
	case r != 0 && r%1e9 == 0:
		return strconv.FormatInt(r/1e9, 10) + "Gbit"
	case r != 0 && r%1e6 == 0:
		return strconv.FormatInt(r/1e6, 10) + "Mbit"
	case r != 0 && r%1e3 == 0:
		return strconv.FormatInt(r/1e3, 10) + "Kbit"
	}
	return strconv.FormatInt(r, 10) + "bit"
}
