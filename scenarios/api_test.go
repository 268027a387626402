package scenarios

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// TestLoadFile: a path, "-" for standard input, or a built-in name when no
// such file exists; a missing file wraps fs.ErrNotExist.
func TestLoadFile(t *testing.T) {
	s, err := LoadFile("quickack")
	if err != nil || s.Name() != "quickack" {
		t.Fatalf("built-in: %v", err)
	}
	old := Stdin
	defer func() { Stdin = old }()
	Stdin = strings.NewReader(minimal)
	if s, err := LoadFile("-"); err != nil || s.Name() != "t" {
		t.Fatalf("stdin: %v", err)
	}
	Stdin = strings.NewReader("name: x\nclient: {do: [accept]}\nserver: {do: [accept]}\n")
	_, err = LoadFile("-")
	if err == nil || !strings.HasPrefix(err.Error(), "-:2:") {
		t.Errorf("stdin errors should be named -: %v", err)
	}
	if _, err := LoadFile("testdata/no-such-file.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestRanges: durations and numbers, counting up and down, the end
// included only when it lands on a step, values written as the user would.
func TestRanges(t *testing.T) {
	for _, c := range []struct{ rng, want string }{
		{"{from: 0ms, to: 100ms, step: 25ms}", "0ms 25ms 50ms 75ms 100ms"},
		{"{from: 0ms, to: 10ms, step: 3ms}", "0ms 3ms 6ms 9ms"},
		{"{from: 25us, to: 100us, step: 25us}", "25us 50us 75us 100us"},
		{"{from: 1s, to: 2s, step: 250ms}", "1000ms 1250ms 1500ms 1750ms 2000ms"},
		{"{from: 20ms, to: 0ms, step: -10ms}", "20ms 10ms 0ms"},
		{"{from: 5ms, to: 5ms, step: 1ms}", "5ms"},
		{"{from: 0, to: 0.1, step: 0.01}", "0 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08 0.09 0.1"},
		{"{from: 0.3, to: 0, step: -0.1}", "0.3 0.2 0.1 0"},
		{"{from: 0.001, to: 0.0035, step: 0.0005}", "0.001 0.0015 0.002 0.0025 0.003 0.0035"},
		{"{from: -0.2, to: 0.2, step: 0.1}", "-0.2 -0.1 0 0.1 0.2"},
		{"{from: 1e-31, to: 3e-31, step: 1e-31}", "1e-31 2e-31 3e-31"},
		{"{from: 0.0000001, to: 0.0000003, step: 0.0000001}", "1e-07 2e-07 3e-07"},
		{"{from: 1e22, to: 3e22, step: 1e22}", "1e+22 2e+22 3e+22"},
	} {
		key := "d"
		if !strings.Contains(c.rng, "ms") && !strings.Contains(c.rng, "s,") {
			key = "v" // a number, used nowhere
		}
		s := mustLoad(t, `
name: t
vars: {d: 0ms, v: 0}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  `+key+": "+c.rng+"\n")
		var got []string
		for _, p := range mustPoints(t, s) {
			got = append(got, p.Values...)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: %v, want %s", c.rng, got, c.want)
		}
	}
}

// TestPointOrder: the first sweep key varies slowest, and each point's
// configuration holds its values.
func TestPointOrder(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 0ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  profile: [linux, windows]
  d: [1ms, 2ms, 3ms]
`)
	var got []string
	for i, p := range mustPoints(t, s) {
		if p.Index != i {
			t.Errorf("point %d has index %d", i, p.Index)
		}
		got = append(got, p.Values[0]+"/"+p.Values[1])
		if c := p.Config; c.Profile != p.Values[0] || c.Client.Profile != p.Values[0] || c.Client.Do[1].Duration.String() != p.Values[1] {
			t.Errorf("point %d: profile %s, sleep %v", i, c.Profile, c.Client.Do[1].Duration)
		}
	}
	want := "linux/1ms linux/2ms linux/3ms windows/1ms windows/2ms windows/3ms"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v", got)
	}
}

// TestSetTopLevel: --set of the top-level keys and of a side's profile, and
// errors that name the key.
func TestSetTopLevel(t *testing.T) {
	s := mustLoad(t, minimal)
	for _, kv := range [][2]string{{"seed", "42"}, {"stop_after", "90s"}, {"profile", "freebsd"}, {"max_events", "5000"},
		{"server.profile", "windows"}, {"client.tcp.hz", "1000"}, {"link.forward.delay", "3ms"}, {"connections", "4"}} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("set %s: %v", kv[0], err)
		}
	}
	c := mustPoints(t, s)[0].Config
	switch {
	case c.Seed != 42 || c.StopAfter != 90*time.Second || c.Profile != "freebsd" || c.MaxEvents != 5000:
		t.Errorf("top level: %+v", c)
	case c.Client.Profile != "freebsd" || c.Server.Profile != "windows" || c.Client.TCP.HZ != 1000:
		t.Errorf("sides: %s %s hz %d", c.Client.Profile, c.Server.Profile, c.Client.TCP.HZ)
	case c.Link.Forward.Delay != 3*time.Millisecond || c.Link.Reverse.Delay != 0 || c.Connections.Count != 4:
		t.Errorf("link %+v connections %+v", c.Link, c.Connections)
	}
	for _, kv := range [][2]string{{"profile", "solaris"}, {"seed", "-1"}, {"server.tcp.nagel", "true"}, {"name", "y"}} {
		err := s.Set(kv[0], kv[1])
		if err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("--set %s=%s: %v (the error should name the key)", kv[0], kv[1], err)
		}
	}
}

// TestErrorsCollected: every problem of a file is reported, in file order.
func TestErrorsCollected(t *testing.T) {
	_, err := Load("three.yaml", []byte(`name: Bad_Name
link: {delay: -1ms}
client:
  do: [connect, accept]
server:
  do: [accept, close]
`))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, want := range []string{"three.yaml:1:7: ", "three.yaml:2:15: ", "three.yaml:4:17: "} {
		if !strings.HasPrefix(list[i].Error(), want) {
			t.Errorf("error %d: %v, want prefix %s", i, list[i], want)
		}
	}
}

// TestLongRangeChecked: a range too long to check value by value at load
// time is still checked at its ends, and Points reports a bad value too.
func TestLongRangeChecked(t *testing.T) {
	_, err := Load("long.yaml", []byte(`name: t
client:
  do: [connect, close]
server:
  do: [accept, close]
sweep:
  link.loss: {from: 0, to: 1.5, step: 0.0001}
`))
	if err == nil || !strings.Contains(err.Error(), "long.yaml:7:14: link.loss: 1.5 is not a probability in [0,1]") {
		t.Errorf("got %v", err)
	}
}

// TestSharedTree: resolving points leaves the loaded tree as it was, so
// points do not leak values into each other.
func TestSharedTree(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 1ms}
link: {delay: 1ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  link.forward.delay: [5ms, 7ms]
  d: [2ms, 3ms]
`)
	for round := 0; round < 2; round++ {
		p := mustPoints(t, s)
		if len(p) != 4 {
			t.Fatalf("%d points", len(p))
		}
		c := p[3].Config
		if c.Link.Forward.Delay != 7*time.Millisecond || c.Link.Reverse.Delay != time.Millisecond || c.Client.Do[1].Duration != 3*time.Millisecond {
			t.Errorf("round %d: last point %+v %v", round, c.Link, c.Client.Do[1])
		}
	}
	if d := lookup(lookup(s.root, "link"), "delay"); d.Value != "1ms" || lookup(lookup(s.root, "link"), "forward") != nil {
		t.Errorf("the loaded tree changed")
	}
}

// TestClientPrepares: a client may sleep and set options before connect
// (the engine applies them to the socket it opens).
func TestClientPrepares(t *testing.T) {
	c := mustPoints(t, mustLoad(t, `
name: t
client:
  do: [{sleep: 5ms}, {set: {nodelay: true, linger: 0s}}, connect, close]
server:
  do: [accept, close]
`))[0].Config
	if len(c.Client.Do) != 4 || c.Client.Do[2].Kind.String() != "connect" || !*c.Client.Do[1].Set.NoDelay || !c.Client.Do[1].Set.Linger.On {
		t.Errorf("client program %+v", c.Client.Do)
	}
}

// TestSizeLimits: a do: list longer than MaxActions, and a sweep whose
// points times the file's size is too much to resolve, are errors at load
// time, at once.
func TestSizeLimits(t *testing.T) {
	long := "name: t\nclient:\n  do: [connect" + strings.Repeat(", {sleep: 1ms}", MaxActions) + ", close]\nserver:\n  do: [accept, close]\n"
	_, err := Load("long.yaml", []byte(long))
	if want := "long.yaml:3:7: client.do has 10002 actions, more than 10000"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	big := "name: t\nvars: {d: 0ms}\nclient:\n  do: [connect" + strings.Repeat(", {sleep: '${d}'}", 9000) + ", close]\nserver:\n  do: [accept, close]\nsweep:\n  d: {from: 0ms, to: 999ms, step: 1ms}\n"
	start := time.Now()
	_, err = Load("big.yaml", []byte(big))
	if want := "big.yaml:8:3: the sweep has 1000 points of a file of 27065 YAML nodes: 27065000 in all are too many to resolve (at most 20000000); sweep fewer values or shorten the file"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if el := time.Since(start); el > 2*time.Second*raceSlowdown {
		t.Errorf("Load took %v", el)
	}
}

// TestSetRollsBack: a --set that fails leaves the scenario as it was.
func TestSetRollsBack(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 1ms}
link: {delay: 2ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  d: [1ms, 2ms]
  link.delay: [2ms, 3ms]
`)
	for _, kv := range [][2]string{{"d", "soon"}, {"link.delay", "-1ms"}, {"link.delay.x", "1"}, {"nope", "1"}} {
		err := s.Set(kv[0], kv[1])
		if err == nil {
			t.Fatalf("--set %s=%s: no error", kv[0], kv[1])
		}
		if !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("--set %s=%s: %v does not name the key", kv[0], kv[1], err)
		}
	}
	p := mustPoints(t, s)
	if len(p) != 4 || strings.Join(s.Keys(), ",") != "d,link.delay" || p[3].Config.Link.Forward.Delay != 3*time.Millisecond || p[3].Config.Client.Do[1].Duration != 2*time.Millisecond {
		t.Errorf("scenario changed by failed --set: %d points, keys %v", len(p), s.Keys())
	}
}

// TestRangeExtremes: ranges of huge, tiny and many-decimal numbers load or
// fail with a message, never panic, and never print Inf or NaN.
func TestRangeExtremes(t *testing.T) {
	for _, rng := range []string{
		"{from: 1e300, to: 1e308, step: 1e307}",
		"{from: -1e308, to: 1e308, step: 1e307}",
		"{from: 0.0000000000000000000000000000001, to: 0.0000000000000000000000000000003, step: 0.0000000000000000000000000000001}",
		"{from: 0, to: 1, step: 0.25000000000000000000000000000000000000000000000}",
	} {
		s, err := Load("x.yaml", []byte("name: t\nvars: {v: 0}\nclient:\n  do: [connect, close]\nserver:\n  do: [accept, close]\nsweep:\n  v: "+rng+"\n"))
		if err != nil {
			continue
		}
		for _, p := range mustPoints(t, s) {
			for _, v := range p.Values {
				if strings.Contains(v, "Inf") || strings.Contains(v, "NaN") || len(v) > 24 {
					t.Errorf("%s: value %s", rng, v)
				}
			}
		}
	}
}
