package scenarios

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/tcp"
)

var update = flag.Bool("update", false, "rewrite the expected messages of testdata/bad/*.yaml")

// TestBadFiles loads every file in testdata/bad and compares the errors with
// the .want file beside it, line for line (rewrite with -update after
// reading the change).
func TestBadFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) < 20 {
		t.Fatalf("only %d bad files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := LoadFile(f)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 {
					t.Errorf("error without a position: %v", e)
				}
			}
			got := err.Error() + "\n"
			want := strings.TrimSuffix(f, ".yaml") + ".want"
			if *update {
				os.WriteFile(want, []byte(got), 0o644)
			}
			b, rerr := os.ReadFile(want)
			if rerr != nil {
				t.Fatalf("%v (run with -update)", rerr)
			}
			if got != string(b) {
				t.Errorf("errors differ\n got:\n%s\nwant:\n%s", got, b)
			}
		})
	}
}

func mustLoad(t *testing.T, src string) *Scenario {
	t.Helper()
	s, err := Load("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

func mustPoints(t *testing.T, s *Scenario) []Point {
	t.Helper()
	p, err := s.Points()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `
name: t
client:
  do: [connect, close]
server:
  do: [accept, close]
`

// TestDefaults: an omitted setting gets the contract's default and the
// profile's TCP settings.
func TestDefaults(t *testing.T) {
	p := mustPoints(t, mustLoad(t, minimal))
	if len(p) != 1 || len(p[0].Keys) != 0 {
		t.Fatalf("points %+v", p)
	}
	c := p[0].Config
	linux, _ := tcp.Profile("linux")
	want := netlink.DefaultConfig()
	switch {
	case c.Seed != 1 || c.Runs != 100 || c.StopAfter != 5*time.Minute || c.Profile != "linux" || c.MaxEvents != DefaultMaxEvents:
		t.Errorf("top-level defaults: %+v", c)
	case c.Link.Forward != want || c.Link.Reverse != want:
		t.Errorf("link defaults: %+v", c.Link)
	case c.Client.TCP != linux || c.Server.TCP != linux:
		t.Errorf("tcp defaults differ from the linux profile")
	case c.Connections.Count != 1:
		t.Errorf("connections %+v", c.Connections)
	}
}

// TestProfilesAndOverrides: the scenario's profile, a side's own profile and
// its tcp: overrides apply in that order; link forward/reverse override one
// direction each.
func TestProfilesAndOverrides(t *testing.T) {
	c := mustPoints(t, mustLoad(t, `
name: t
profile: freebsd
link:
  delay: 10ms
  loss: 0.01
  jitter: 2ms
  rate: 10Mbit
  reverse: {delay: 30ms, loss: {model: gilbert-elliott, p: 0.01, r: 0.5}}
client:
  tcp: {delayed_ack: false, time_wait: 30s, rcv_buf: 64KiB}
  do: [connect, close]
server:
  profile: windows
  tcp: {hz: 1000}
  do: [accept, close]
`))[0].Config
	fb, _ := tcp.Profile("freebsd")
	win, _ := tcp.Profile("windows")
	fb.DelayedAck, fb.TimeWait, fb.RcvBuf = false, 30*time.Second, 65536
	win.HZ = 1000
	if c.Client.TCP != fb || c.Client.Profile != "freebsd" {
		t.Errorf("client tcp %+v", c.Client.TCP)
	}
	if c.Server.TCP != win || c.Server.Profile != "windows" {
		t.Errorf("server tcp %+v", c.Server.TCP)
	}
	f, r := c.Link.Forward, c.Link.Reverse
	if f.Delay != 10*time.Millisecond || f.Loss != (netlink.Loss{Model: netlink.LossBernoulli, P: 0.01}) ||
		f.Jitter != (netlink.Jitter{Dist: netlink.JitterUniform, Max: 2 * time.Millisecond}) || f.Rate != 10_000_000 {
		t.Errorf("forward %+v", f)
	}
	if r.Delay != 30*time.Millisecond || r.Loss != (netlink.Loss{Model: netlink.LossGilbertElliott, P: 0.01, R: 0.5, BadLoss: 1}) || r.Rate != 10_000_000 {
		t.Errorf("reverse %+v", r)
	}
}

// TestSweepExpansion: the cartesian product, first key slowest; ranges
// include their end when it lands on a step; values are written as the
// user would write them.
func TestSweepExpansion(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 0ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  d: {from: 0ms, to: 10ms, step: 5ms}
  link.loss: {from: 0, to: 0.3, step: 0.1}
  profile: [linux, freebsd]
`)
	p := mustPoints(t, s)
	if len(p) != 3*4*2 {
		t.Fatalf("%d points", len(p))
	}
	if got := strings.Join(s.Keys(), ","); got != "d,link.loss,profile" {
		t.Errorf("keys %s", got)
	}
	want := [][]string{{"0ms", "0", "linux"}, {"0ms", "0", "freebsd"}, {"0ms", "0.1", "linux"}}
	for i, w := range want {
		if strings.Join(p[i].Values, " ") != strings.Join(w, " ") {
			t.Errorf("point %d: %v, want %v", i, p[i].Values, w)
		}
	}
	last := p[len(p)-1]
	if strings.Join(last.Values, " ") != "10ms 0.3 freebsd" {
		t.Errorf("last point %v", last.Values)
	}
	if c := last.Config; c.Client.Do[1].Duration != 10*time.Millisecond || c.Link.Forward.Loss.P != 0.3 || c.Profile != "freebsd" {
		t.Errorf("last point config: sleep %v loss %v profile %s", c.Client.Do[1].Duration, c.Link.Forward.Loss.P, c.Profile)
	}
	if p[5].Config.Link.Reverse.Loss.P != 0.2 {
		t.Errorf("point 5 loss %v", p[5].Config.Link.Reverse.Loss.P)
	}
}

// TestVars: ${name} anywhere in a value, vars defined from vars.
func TestVars(t *testing.T) {
	c := mustPoints(t, mustLoad(t, `
name: t
vars:
  base: 10
  d: ${base}ms
  size: 2KiB
client:
  do: [connect, {send: "${size}"}, {sleep: "${d}"}, close]
server:
  do: [accept, close]
`))[0].Config
	if c.Client.Do[1].Size != 2048 || c.Client.Do[2].Duration != 10*time.Millisecond {
		t.Errorf("ops %+v", c.Client.Do)
	}
}

// TestSet: --set changes a var or a path before the sweep, and pins a
// swept key.
func TestSet(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 0ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  d: [1ms, 2ms]
  link.delay: [1ms, 5ms]
`)
	for _, kv := range [][2]string{{"link.delay", "7ms"}, {"server.tcp.delayed_ack", "false"}, {"runs", "3"}, {"d", "9ms"}} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("set %s: %v", kv[0], err)
		}
	}
	p := mustPoints(t, s)
	if len(p) != 1 || len(s.Keys()) != 0 {
		t.Fatalf("--set should pin swept keys: %d points, keys %v", len(p), s.Keys())
	}
	c := p[0].Config
	if c.Link.Forward.Delay != 7*time.Millisecond || c.Server.TCP.DelayedAck || c.Runs != 3 || c.Client.Do[1].Duration != 9*time.Millisecond {
		t.Errorf("config after --set: %+v", c)
	}
	for _, bad := range [][2]string{{"link.los", "0.1"}, {"runs", "0"}, {"link.loss", "2"}, {"client.do", "x"}} {
		if err := s.Set(bad[0], bad[1]); err == nil {
			t.Errorf("--set %s=%s: no error", bad[0], bad[1])
		}
	}
}

// TestExamples: every built-in example loads, resolves, and reads back.
func TestExamples(t *testing.T) {
	names := BuiltinNames()
	want := []string{"close-with-unread-data", "crash", "data-after-close", "delayed-ack-boundary", "half-close",
		"linger-abort", "lossy-teardown", "profiles", "quickack", "shared-socket", "sigpipe", "simultaneous-close", "think-time", "time-wait-pileup"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("examples %v", names)
	}
	for _, n := range names {
		b, _ := Builtin(n)
		s, err := Load(n, b)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		p, err := s.Points()
		if err != nil || len(p) == 0 {
			t.Errorf("%s: points %v", n, err)
		}
		if s.Name() != n {
			t.Errorf("%s: name %q", n, s.Name())
		}
		if BuiltinSummary(n) == "" || !strings.Contains(string(b), "description:") {
			t.Errorf("%s: no description", n)
		}
	}
	if _, ok := Builtin("../go.mod"); ok {
		t.Errorf("Builtin reads outside the examples")
	}
}

// TestHostileInput: aliases that expand exponentially and deep nesting are
// refused with an error, quickly.
func TestHostileInput(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 9; i++ {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	for _, src := range []string{laughs, strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "", "---\n...\n", "[1, 2]", "name: x\n---\nname: y\n"} {
		if _, err := Load("h.yaml", []byte(src)); err == nil {
			t.Errorf("no error for %.40q", src)
		}
	}
}
