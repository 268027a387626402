package results

import (
	"fmt"
	"testing"
)

// TestSweepNumbers: durations become <key>_ms, sizes <key>_bytes, rates
// <key>_bps, in the order of the keys; plain numbers and values of no
// unit (names, distributions) get no column.
func TestSweepNumbers(t *testing.T) {
	keys := []string{"close_delay", "link.loss", "send", "link.rate", "profile", "link.jitter"}
	rows := [][]string{
		{"0", "0.01", "100B", "10Mbit", "linux", "2ms"},
		{"40ms", "0.1", "64KiB", "1Gbit", "freebsd", "{dist: normal}"},
		{"1.5s", "0", "1MB", "2.5Mbit", "linux", "0ms"},
	}
	var pts []PointSummary
	for i, r := range rows {
		pts = append(pts, PointSummary{Point: i, SweepValues: r})
	}
	got := fmt.Sprint(SweepNumbers(keys, pts))
	want := "[{close_delay_ms [0 40 1500]} {send_bytes [100 65536 1e+06]} {link.rate_bps [1e+07 1e+09 2.5e+06]}]"
	if got != want {
		t.Errorf("SweepNumbers:\n got %s\nwant %s", got, want)
	}
	if n := SweepNumbers(nil, nil); n != nil {
		t.Errorf("no keys: %v", n)
	}
}
