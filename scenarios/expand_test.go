package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// doublingVars writes a file whose var v0 uses v1 twice, v1 uses v2 twice,
// and so on for levels levels, the last holding leaf; a client sleep uses v0.
func doublingVars(levels int, leaf string) string {
	var b strings.Builder
	b.WriteString("name: x\nvars:\n")
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "  v%d: \"${v%d}${v%d}\"\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "  v%d: %q\n", levels, leaf)
	b.WriteString("client:\n  do: [connect, {sleep: \"${v0}\"}, close]\nserver:\n  do: [accept, close]\n")
	return b.String()
}

// TestVarExpansionBounded: vars that double at every level stop at the
// size limit with an error at the var that passes it, and vars whose value
// stays short but that are reached along 2^60 paths load at once (each var
// is expanded once).
func TestVarExpansionBounded(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string // a substring of the error; "" = no size error
	}{
		// 64 KiB = 2^16 bytes: v0 of a 1-byte leaf doubled 17 times is
		// 2^17 bytes; v1 is 2^16, exactly the limit, so v0 (line 3) is the
		// first var past it.
		{"17 levels", doublingVars(17, "1"), `test.yaml:3:7: var "v0" expands to more than 65536 characters`},
		// 2^40 bytes if nothing stopped it: v23 is the first past 2^16
		// (2^17 bytes), and v22..v0 fail with it without a message each.
		{"40 levels", doublingVars(40, "1"), `test.yaml:26:8: var "v23" expands to more than 65536 characters`},
		// An empty leaf: every value is empty, but without a memo the
		// expansion would take 2^60 steps.
		{"60 levels of nothing", doublingVars(60, ""), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load("test.yaml", []byte(c.src))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("Load did not return within 3 s")
			}
			if c.want == "" {
				// The empty sleep is a bad duration; only the var must not hang.
				if err != nil && strings.Contains(err.Error(), "expands to more") {
					t.Errorf("unexpected size error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if n := strings.Count(err.Error(), "expands to more"); n != 1 {
				t.Errorf("%d size errors, want 1: %v", n, err)
			}
		})
	}
}

// TestVarChainDepth: a chain of vars deeper than maxVarDepth is an error at
// a var, not a stack of thousands of frames.
func TestVarChainDepth(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\nvars:\n")
	n := 5000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  v%d: ${v%d}\n", i, i+1)
	}
	fmt.Fprintf(&b, "  v%d: 1ms\n", n)
	b.WriteString("client:\n  do: [connect, {sleep: \"${v0}\"}, close]\nserver:\n  do: [accept, close]\n")
	_, err := Load("test.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "more than 1000 levels deep") {
		t.Fatalf("got %v", err)
	}
}

// TestVarExpansionWork: a long value used in many places is bounded by
// the total work of a point.
func TestVarExpansionWork(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\nvars:\n  long: " + strings.Repeat("a", 60000) + "\n")
	b.WriteString("client:\n  do: [connect, close]\nserver:\n  do: [accept, close]\ndescription: [")
	for i := 0; i < 200; i++ {
		b.WriteString("\"${long}\", ")
	}
	b.WriteString("]\n")
	_, err := Load("test.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "characters in all") {
		t.Fatalf("got %v", err)
	}
}
