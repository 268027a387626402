package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/emu-sim/emu/scenarios"
)

// genScenario draws a small random scenario: link, profile, programs for
// both sides built from valid action sequences, and a small sweep.
func genScenario(t *rapid.T) string {
	var b strings.Builder
	b.WriteString("name: prop\nruns: 3\nstop_after: 10m\n")
	fmt.Fprintf(&b, "profile: %s\n", rapid.SampledFrom([]string{"linux", "freebsd", "windows", "rfc9293"}).Draw(t, "profile"))
	fmt.Fprintf(&b, "link: {delay: %s, jitter: %s, loss: %s, reorder: %v}\n",
		rapid.SampledFrom([]string{"25us", "1ms", "10ms"}).Draw(t, "delay"),
		rapid.SampledFrom([]string{"0ms", "2ms"}).Draw(t, "jitter"),
		rapid.SampledFrom([]string{"0", "0.05", "0.2"}).Draw(t, "loss"),
		rapid.Bool().Draw(t, "reorder"))
	b.WriteString("vars: {d: 0ms}\n")
	middle := func(label string, choices []string) string {
		n := rapid.IntRange(0, 3).Draw(t, label+"-n")
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, rapid.SampledFrom(choices).Draw(t, fmt.Sprintf("%s-%d", label, i)))
		}
		return strings.Join(parts, ", ")
	}
	end := func(label string) string {
		return rapid.SampledFrom([]string{"close", "abort", "crash", "{shutdown: write}, {read: eof}, close", "{set: {linger: 1s}}, close"}).Draw(t, label)
	}
	join := func(xs ...string) string {
		var out []string
		for _, x := range xs {
			if x != "" {
				out = append(out, x)
			}
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(&b, "client:\n  do: [%s]\n", join("connect", middle("c", []string{"{send: 100B}", "{send: 3000B}", "{sleep: 5ms}", "{read: available}", "{set: {nodelay: true}}"}), end("c-end")))
	fmt.Fprintf(&b, "server:\n  do: [%s]\n", join("accept", middle("s", []string{"{read: eof}", "{read: 100B}", "{send: 200B}", "{sleep: \"${d}\"}", "{set: {quickack: true}}"}), end("s-end")))
	b.WriteString("sweep:\n  d: [0ms, 41ms]\n")
	return b.String()
}

// TestDeterminismProperty: for random small scenarios, the output files are
// byte-identical for 1, 2 and 8 jobs (with a tiny reorder window, so that
// runs finish out of order) and across repeated executions.
func TestDeterminismProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := genScenario(t)
		s, err := scenarios.Load("prop.yaml", []byte(src))
		if err != nil {
			t.Fatalf("generated scenario does not load: %v\n%s", err, src)
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatal(err)
		}
		plan := NewPlan(pts, "test", 0, 0, false)
		var first map[string][]byte
		for _, jobs := range []int{1, 2, 8, 2} {
			dir, err := mkTemp()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Execute(context.Background(), plan, dir, Options{Jobs: jobs, Window: 2}); err != nil {
				t.Fatalf("jobs %d: %v\n%s", jobs, err, src)
			}
			got := readAll(dir)
			if first == nil {
				first = got
				continue
			}
			for f, b := range first {
				if string(got[f]) != string(b) {
					t.Fatalf("%s differs with --jobs %d\n%s", f, jobs, src)
				}
			}
		}
	})
}
