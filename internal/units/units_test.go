package units

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	durations := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"40ms", 40 * time.Millisecond, true}, {"1.5s", 1500 * time.Millisecond, true}, {"2m", 2 * time.Minute, true},
		{"0", 0, true}, {" 25us ", 25 * time.Microsecond, true}, {"25µs", 25 * time.Microsecond, true},
		{"-1ms", 0, false}, {"10", 0, false}, {"soon", 0, false}, {"", 0, false},
	}
	for _, c := range durations {
		got, err := ParseDuration(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v", c.in, got, err)
		}
	}
	sizes := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"100B", 100, true}, {"64KiB", 65536, true}, {"1MB", 1000000, true}, {"1.5KiB", 1536, true}, {"7", 7, true},
		{"2GiB", 2 << 30, true}, {"1kB", 1000, true},
		{"10 bananas", 0, false}, {"-1B", 0, false}, {"1.5B", 0, false}, {"NaNB", 0, false}, {"2PiB", 0, false},
	}
	for _, c := range sizes {
		got, err := ParseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSize(%q) = %v, %v", c.in, got, err)
		}
	}
	rates := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"10Mbit", 10_000_000, true}, {"1Gbit", 1_000_000_000, true}, {"64kbit", 64_000, true}, {"1.5Mbps", 1_500_000, true},
		{"0Mbit", 0, false}, {"10", 0, false}, {"fast", 0, false}, {"-1Gbit", 0, false},
	}
	for _, c := range rates {
		got, err := ParseRate(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseRate(%q) = %v, %v", c.in, got, err)
		}
	}
}

// TestFormatRoundTrip: what Format writes, Parse reads back to the same value.
func TestFormatRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 100, 1024, 65536, 1536, 3 << 20, 5 << 30} {
		if got, err := ParseSize(FormatSize(n)); err != nil || got != n {
			t.Errorf("size %d -> %q -> %d, %v", n, FormatSize(n), got, err)
		}
	}
	for _, r := range []int64{1, 999, 64_000, 10_000_000, 1_000_000_000, 1_500_000} {
		if got, err := ParseRate(FormatRate(r)); err != nil || got != r {
			t.Errorf("rate %d -> %q -> %d, %v", r, FormatRate(r), got, err)
		}
	}
	for _, d := range []time.Duration{0, time.Nanosecond, 25 * time.Microsecond, 40 * time.Millisecond, 90 * time.Second} {
		if got, err := ParseDuration(FormatDuration(d)); err != nil || got != d {
			t.Errorf("duration %v -> %q -> %v, %v", d, FormatDuration(d), got, err)
		}
	}
}

// TestLimitsNamed: a duration too long for the clock says so (it once said
// "not a duration"), and the TiB a message names is accepted.
func TestLimitsNamed(t *testing.T) {
	if _, err := ParseDuration("3000000h"); err == nil || err.Error() != `duration "3000000h" is too long (at most 2562047h, about 292 years)` {
		t.Errorf("3000000h: %v", err)
	}
	if _, err := ParseDuration("3000000x"); err == nil || err.Error() != `"3000000x" is not a duration (write e.g. 40ms, 1.5s, 2m)` {
		t.Errorf("3000000x: %v", err)
	}
	for in, want := range map[string]int64{"1TiB": 1 << 40, "2TB": 2e12, "1024TiB": 1 << 50} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseSize("1025TiB"); err == nil || err.Error() != `size "1025TiB" is too large (at most 1024TiB)` {
		t.Errorf("1025TiB: %v", err)
	}
}
