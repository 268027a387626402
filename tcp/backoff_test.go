package tcp

import (
	"math"
	"testing"
	"time"
)

// TestDoubledSaturates: the backoff of a timer doubles up to its limit and
// never wraps: with rto_max near the largest duration, 2*rto once
// overflowed to a negative timeout.
func TestDoubledSaturates(t *testing.T) {
	const maxDur = time.Duration(math.MaxInt64)
	cases := []struct {
		d, limit, want time.Duration
	}{
		{200 * time.Millisecond, 120 * time.Second, 400 * time.Millisecond},
		{100 * time.Second, 120 * time.Second, 120 * time.Second},
		{120 * time.Second, 120 * time.Second, 120 * time.Second},
		{maxDur/2 + 1, maxDur, maxDur},
		{maxDur - 1, maxDur, maxDur},
		{maxDur / 4, maxDur, maxDur / 4 * 2},
		// An odd limit: half of it, doubled, is one below the limit, as
		// min(2*d, limit) gives (the delayed-ACK timeout doubles up to an
		// RTO of any nanosecond count).
		{2, 5, 4},
		{3, 5, 5},
		{maxDur / 2, maxDur, maxDur - 1},
	}
	for _, c := range cases {
		if got := doubled(c.d, c.limit); got != c.want {
			t.Errorf("doubled(%d, %d) = %d, want %d", c.d, c.limit, got, c.want)
		}
	}
}
