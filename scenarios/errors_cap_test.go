package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestErrorsCapped: a file with 120 bad values prints 50 problems and
// "... and 70 more", not 120 lines.
func TestErrorsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\nclient:\n  do: [connect")
	for i := 0; i < 120; i++ {
		b.WriteString(", {sleep: bad}")
	}
	b.WriteString(", close]\nserver:\n  do: [accept, close]\n")
	_, err := Load("t.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 51 || lines[50] != "t.yaml: ... and 70 more" {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

// TestSetInsideSweptKey: a --set of a key inside a swept one was silently
// replaced by the sweep's value at every point; it is an error naming both.
func TestSetInsideSweptKey(t *testing.T) {
	s := mustLoad(t, `
name: t
client:
  do: [connect, close]
server:
  do: [accept, close]
sweep:
  link.jitter: [1ms, 2ms]
`)
	err := s.Set("link.jitter.dist", "normal")
	if err == nil || !strings.Contains(err.Error(), "link.jitter.dist is inside the swept key link.jitter") {
		t.Errorf("got %v", err)
	}
	if err := s.Set("link.delay", "5ms"); err != nil {
		t.Errorf("a key beside the sweep: %v", err)
	}
}

// TestPointsContext: resolving a sweep stops when its context is done (a
// sweep of 100 000 points takes seconds, and Ctrl-C must not wait).
func TestPointsContext(t *testing.T) {
	s := mustLoad(t, `
name: t
vars: {d: 0ms}
client:
  do: [connect, {sleep: "${d}"}, close]
server:
  do: [accept, close]
sweep:
  d: {from: 0us, to: 9999us, step: 1us}
`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p, err := s.PointsContext(ctx); !errors.Is(err, context.Canceled) || p != nil {
		t.Errorf("cancelled: %d points, %v", len(p), err)
	}
	if p, err := s.PointsContext(context.Background()); err != nil || len(p) != 10000 {
		t.Errorf("%d points, %v", len(p), err)
	}
}
