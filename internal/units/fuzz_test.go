package units

import "testing"

// FuzzUnits: parsing never panics, and whatever parses formats back to text
// that parses to the same value.
func FuzzUnits(f *testing.F) {
	for _, s := range []string{"40ms", "1.5s", "0", "100B", "64KiB", "1MB", "10Mbit", "1Gbit", "-1ms", "1e400s", "9223372036854775807ns", "0.0001B", "NaNbit", "1.5Mbps"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDuration(s); err == nil {
			if d < 0 {
				t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
			}
			if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
				t.Fatalf("duration %q -> %v -> %q -> %v %v", s, d, FormatDuration(d), back, err)
			}
		}
		if n, err := ParseSize(s); err == nil {
			if n < 0 {
				t.Fatalf("ParseSize(%q) = %d, negative", s, n)
			}
			if back, err := ParseSize(FormatSize(n)); err != nil || back != n {
				t.Fatalf("size %q -> %d -> %q -> %d %v", s, n, FormatSize(n), back, err)
			}
		}
		if r, err := ParseRate(s); err == nil {
			if r <= 0 {
				t.Fatalf("ParseRate(%q) = %d, not positive", s, r)
			}
			if back, err := ParseRate(FormatRate(r)); err != nil || back != r {
				t.Fatalf("rate %q -> %d -> %q -> %d %v", s, r, FormatRate(r), back, err)
			}
		}
	})
}
