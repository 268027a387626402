package sim

import (
	"strings"
	"testing"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// paramsOf turns a resolved point into simulator parameters, as the runner
// does.
func paramsOf(c *scenarios.RunConfig) *Params {
	return &Params{
		Link:        c.Link,
		Client:      Endpoint{TCP: c.Client.TCP, Host: c.Client.Host, Do: c.Client.Do},
		Server:      Endpoint{TCP: c.Server.TCP, Host: c.Server.Host, Do: c.Server.Do},
		Connections: Connections{Count: c.Connections.Count, Every: c.Connections.Every, Poisson: c.Connections.Poisson, Sample: c.Connections.Sample},
		StopAfter:   c.StopAfter,
		MaxEvents:   c.MaxEvents,
	}
}

// TestTrackerMatchesRecord: the close type and every measurement that the
// run classifies on the fly (results.Tracker, fed as segments leave and
// arrive, keeping none) equal those of the old classifier reading every
// recorded segment at the end, on every point of every built-in example
// and on lossy, jittery variants, over several seeds.
func TestTrackerMatchesRecord(t *testing.T) {
	sets := [][]string{
		nil,
		{"link.loss=0.2"},
		{"link.loss=0.1", "link.jitter=5ms"},
		{"link.loss=0.3", "link.delay=1ms"},
	}
	w := NewWorker()
	compared := 0
	for _, name := range scenarios.BuiltinNames() {
		for _, set := range sets {
			b, _ := scenarios.Builtin(name)
			s, err := scenarios.Load(name, b)
			if err != nil {
				t.Fatal(err)
			}
			ok := true
			for _, kv := range set {
				k, v, _ := strings.Cut(kv, "=")
				if s.Set(k, v) != nil {
					ok = false
				}
			}
			if !ok {
				continue
			}
			points, err := s.Points()
			if err != nil {
				t.Fatal(err)
			}
			for pi, p := range points {
				params := paramsOf(p.Config)
				if params.Connections.Count > 1 {
					params.Connections.Count = 50
				}
				for run := 0; run < 8; run++ {
					tr := &results.Trace{}
					w.SetTrace(tr)
					r, err := w.Run(params, pi, run, engine.RunSeed(uint64(run), pi, run))
					if err != nil {
						t.Fatal(err)
					}
					got := results.Classify(r) // through r.Track
					rec := *r
					rec.Track = nil
					want := classifyReference(&rec)
					if got != want {
						t.Fatalf("%s %v point %d run %d:\n tracker %+v\n  record %+v", name, set, pi, run, got, want)
					}
					compared++
				}
			}
		}
	}
	w.SetTrace(nil)
	if compared < 200 {
		t.Errorf("only %d runs compared", compared)
	}
	t.Logf("%d runs compared", compared)
}
