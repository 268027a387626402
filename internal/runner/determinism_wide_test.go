package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/emu-sim/emu/scenarios"
)

// genWideScenario draws what genScenario leaves out: every jitter
// distribution, Gilbert-Elliott loss, rate and queue, a seed, per-side
// profiles and tcp: overrides, several connections per run (fixed or
// Poisson arrivals, so that states.csv is written), and a two-key sweep.
func genWideScenario(t *rapid.T) string {
	var b strings.Builder
	pick := func(label string, xs ...string) string { return rapid.SampledFrom(xs).Draw(t, label) }
	fmt.Fprintf(&b, "name: wide\nseed: %d\nruns: %d\nstop_after: 2m\n", rapid.Uint64().Draw(t, "seed"), rapid.IntRange(1, 3).Draw(t, "runs"))
	fmt.Fprintf(&b, "profile: %s\n", pick("profile", "linux", "freebsd", "windows", "rfc9293"))
	b.WriteString("link:\n")
	fmt.Fprintf(&b, "  delay: %s\n", pick("delay", "0ms", "100us", "3ms", "20ms"))
	fmt.Fprintf(&b, "  jitter: %s\n", pick("jitter", "0ms", "1ms",
		"{dist: fixed, value: 1ms}", "{dist: uniform, min: 0ms, max: 3ms}",
		"{dist: normal, mean: 2ms, stddev: 1ms}", "{dist: exponential, mean: 1ms}",
		"{dist: pareto, scale: 100us, shape: 1.5}"))
	fmt.Fprintf(&b, "  loss: %s\n", pick("loss", "0", "0.02", "0.3",
		"{model: gilbert-elliott, p: 0.05, r: 0.5}", "{model: gilbert-elliott, p: 0.2, r: 0.2, bad_loss: 0.8, good_loss: 0.01}"))
	fmt.Fprintf(&b, "  reorder: %v\n", rapid.Bool().Draw(t, "reorder"))
	if rapid.Bool().Draw(t, "rated") {
		fmt.Fprintf(&b, "  rate: %s\n  queue: %d\n", pick("rate", "1Mbit", "10Mbit", "1Gbit"), rapid.IntRange(1, 50).Draw(t, "queue"))
	}
	if rapid.Bool().Draw(t, "asym") {
		fmt.Fprintf(&b, "  reverse: {delay: %s, loss: %s}\n", pick("rdelay", "1ms", "7ms"), pick("rloss", "0", "0.1"))
	}
	if rapid.Bool().Draw(t, "many") {
		fmt.Fprintf(&b, "connections: {count: %d, every: %s, arrivals: %s, sample: 500ms}\n",
			rapid.IntRange(2, 5).Draw(t, "count"), pick("every", "1ms", "10ms", "300ms"), pick("arrivals", "fixed", "poisson"))
	}
	b.WriteString("vars: {d: 0ms, n: 100B}\n")
	tcpOverrides := func(label string) string {
		var kv []string
		for _, o := range []struct{ key, a, b string }{
			{"delayed_ack", "true", "false"}, {"nagle", "true", "false"}, {"hz", "0", "1000"},
			{"rto_min", "50ms", "200ms"}, {"orphan_retries", "1", "3"},
		} {
			if rapid.Bool().Draw(t, label+"-"+o.key) {
				kv = append(kv, o.key+": "+rapid.SampledFrom([]string{o.a, o.b}).Draw(t, label+"-"+o.key+"-v"))
			}
		}
		if len(kv) == 0 {
			return ""
		}
		return "  tcp: {" + strings.Join(kv, ", ") + "}\n"
	}
	side := func(name, opener string, middle []string, ends []string) {
		fmt.Fprintf(&b, "%s:\n", name)
		if rapid.Bool().Draw(t, name+"-own-profile") {
			fmt.Fprintf(&b, "  profile: %s\n", pick(name+"-profile", "linux", "freebsd", "windows", "rfc9293"))
		}
		b.WriteString(tcpOverrides(name))
		acts := []string{opener}
		for i, n := 0, rapid.IntRange(0, 4).Draw(t, name+"-n"); i < n; i++ {
			acts = append(acts, pick(fmt.Sprintf("%s-%d", name, i), middle...))
		}
		acts = append(acts, pick(name+"-end", ends...))
		fmt.Fprintf(&b, "  do: [%s]\n", strings.Join(acts, ", "))
	}
	ends := []string{"close", "abort", "crash", "{shutdown: write}, {read: eof}, close", "{set: {linger: 1s}}, close", "{shutdown: both}, close", "{wait: eof}, close"}
	side("client", "connect", []string{"{send: \"${n}\"}", "{send: 5000B}", "{sleep: 3ms}", "{read: available}", "{set: {nodelay: true}}", "{shutdown: write}",
		"{sleep: {dist: uniform, min: 0ms, max: 5ms}}", "{fork: [{sleep: 2ms}, {send: 10B}, close]}", "{set: {sigpipe: ignore}}"}, ends)
	side("server", "accept", []string{"{read: eof}", "{read: 50B}", "{send: 300B}", "{sleep: \"${d}\"}", "{set: {quickack: true}}", "{read: available}",
		"{sleep: {dist: exponential, mean: \"${d}\"}}", "{fork: [{read: available}, {sleep: {dist: normal, mean: 3ms, stddev: 2ms}}, crash]}", "{fork: [{fork: [close]}, {shutdown: write}]}"}, ends)
	b.WriteString("sweep:\n")
	fmt.Fprintf(&b, "  d: %s\n", pick("sweep-d", "[0ms, 41ms]", "{from: 0ms, to: 60ms, step: 30ms}", "[5ms]"))
	fmt.Fprintf(&b, "  %s\n", pick("sweep-2", "n: [1B, 3000B]", "link.loss: [0, 0.1]", "server.tcp.delayed_ack: [true, false]", "profile: [linux, freebsd]"))
	return b.String()
}

func wideOutputs(dir string) map[string][]byte {
	out := readAll(dir)
	if b, err := os.ReadFile(filepath.Join(dir, StatesFile)); err == nil {
		out[StatesFile] = b
	}
	return out
}

// TestDeterminismWide: for random scenarios drawn from a wider space than
// TestDeterminismProperty's, Execute writes byte-identical runs.csv,
// summary.csv, summary.json and states.csv for 1, 3 and 8 jobs with reorder
// windows of 1 and 2 runs and on a repeated execution; Stream writes the
// same runs.csv; and two shards merged give the unsharded files.
func TestDeterminismWide(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := genWideScenario(t)
		s, err := scenarios.Load("wide.yaml", []byte(src))
		if err != nil {
			t.Fatalf("generated scenario does not load: %v\n%s", err, src)
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatalf("points: %v\n%s", err, src)
		}
		plan := NewPlan(pts, "test", 0, 0, false)
		var first map[string][]byte
		for _, o := range []Options{{Jobs: 1}, {Jobs: 3, Window: 1}, {Jobs: 8, Window: 2}, {Jobs: 3, Window: 1}} {
			dir, err := mkTemp()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Execute(context.Background(), plan, dir, o); err != nil {
				t.Fatalf("jobs %d: %v\n%s", o.Jobs, err, src)
			}
			got := wideOutputs(dir)
			if first == nil {
				first = got
				if plan.States && first[StatesFile] == nil {
					t.Fatalf("plan records states but %s is missing\n%s", StatesFile, src)
				}
				continue
			}
			if len(got) != len(first) {
				t.Fatalf("jobs %d wrote %d files, jobs 1 wrote %d\n%s", o.Jobs, len(got), len(first), src)
			}
			for f, b := range first {
				if !bytes.Equal(got[f], b) {
					t.Fatalf("%s differs with jobs %d window %d\n%s", f, o.Jobs, o.Window, src)
				}
			}
		}
		var streamed bytes.Buffer
		if _, err := Stream(context.Background(), plan, &streamed, Options{Jobs: 2, Window: 1}); err != nil {
			t.Fatalf("stream: %v\n%s", err, src)
		}
		if !bytes.Equal(streamed.Bytes(), first["runs.csv"]) {
			t.Fatalf("Stream's runs.csv differs from Execute's\n%s", src)
		}
		var shards []string
		for i := 0; i < 2; i++ {
			dir, err := mkTemp()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Execute(context.Background(), plan, dir, Options{Jobs: 2, Window: 1, Shard: Shard{Index: i, Count: 2}}); err != nil {
				t.Fatalf("shard %d: %v\n%s", i, err, src)
			}
			shards = append(shards, dir)
		}
		merged, err := mkTemp()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Merge(merged, shards); err != nil {
			t.Fatalf("merge: %v\n%s", err, src)
		}
		got := wideOutputs(merged)
		for f, b := range first {
			if !bytes.Equal(got[f], b) {
				t.Fatalf("merged %s differs from the unsharded run\n%s", f, src)
			}
		}
	})
}
