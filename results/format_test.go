package results

import (
	"math"
	"testing"
	"time"
)

func TestFormatMs(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{40 * time.Millisecond, "40"},
		{40500 * time.Microsecond, "40.5"},
		{40125 * time.Microsecond, "40.125"},
		{40120 * time.Microsecond, "40.12"},
		{40*time.Millisecond + 1234, "40.001"},      // 1.234 µs → 1 µs
		{40*time.Millisecond + 1500, "40.002"},      // half → away from zero
		{40*time.Millisecond + 1499, "40.001"},      //
		{499, "0"},                                  // below half a µs
		{500, "0.001"},                              //
		{-1500, "-0.002"},                           // negative: away from zero
		{time.Minute, "60000"},                      //
		{0, "0"},                                    //
		{123456789 * time.Millisecond, "123456789"}, //
		{999999 * time.Nanosecond, "1"},             // rounds up into the integer part
		{time.Millisecond + 50*time.Microsecond, "1.05"},
	} {
		if got := FormatMs(c.d); got != c.want {
			t.Errorf("FormatMs(%d ns) = %q, want %q", int64(c.d), got, c.want)
		}
	}
}

func TestFormatFrac(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {0.5, "0.5"}, {0.75, "0.75"}, {1.0 / 3, "0.333333"}, {2.0 / 3, "0.666667"},
		{0.236593090512564, "0.236593"}, {0.9999999999999999, "1"}, {1e-9, "0"}, {-1e-9, "0"},
		{0.0000006, "0.000001"}, {math.NaN(), ""},
	} {
		if got := formatFrac(c.x); got != c.want {
			t.Errorf("formatFrac(%v) = %q, want %q", c.x, got, c.want)
		}
	}
	if got := formatMsValue(math.NaN()); got != "" {
		t.Errorf("formatMsValue(NaN) = %q", got)
	}
	if got := formatMsValue(56.667); got != "56.667" {
		t.Errorf("formatMsValue(56.667) = %q", got)
	}
}

func TestCloseTypeNames(t *testing.T) {
	want := []string{"three-way", "four-way", "simultaneous", "rst", "fin-rst", "timeout", "incomplete", "no-connect"}
	cols := []string{"three_way", "four_way", "simultaneous", "rst", "fin_rst", "timeout", "incomplete", "no_connect"}
	for i, ct := range CloseTypes() {
		if ct.String() != want[i] || ct.Column() != cols[i] {
			t.Errorf("close type %d: %q/%q", i, ct, ct.Column())
		}
		if p, err := ParseCloseType(want[i]); err != nil || p != ct {
			t.Errorf("ParseCloseType(%q) = %v, %v", want[i], p, err)
		}
	}
	if _, err := ParseCloseType("two-way"); err == nil {
		t.Error("ParseCloseType accepted an unknown name")
	}
	for s, w := range map[SideSet]string{NoSide: "none", ClientSide: "client", ServerSide: "server", BothSides: "both"} {
		if s.String() != w {
			t.Errorf("SideSet %d = %q, want %q", s, s, w)
		}
	}
}
