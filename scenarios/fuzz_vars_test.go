package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzVarExpansion: vars whose values refer to each other in any way (the
// fuzzer writes the values; ${N} names var vN) load within a second, never
// panic, and either fail with positioned errors or give values within
// maxVarLen.
func FuzzVarExpansion(f *testing.F) {
	f.Add("${1}${1}\n${2}${2}\n${3}${3}\n${4}${4}\n1ms")
	f.Add("${0}")
	f.Add("${1}\n${0}")
	f.Add("a${1}b${2}\n${2}${2}${2}${2}\n" + strings.Repeat("x", 1000))
	f.Add("${x}${")
	f.Fuzz(func(t *testing.T, defs string) {
		lines := strings.Split(defs, "\n")
		if len(lines) > 200 {
			lines = lines[:200]
		}
		var b strings.Builder
		b.WriteString("name: x\nvars:\n")
		for i, l := range lines {
			// ${N} -> ${vN}; the value as a quoted YAML string.
			l = strings.ReplaceAll(l, "${", "${v")
			fmt.Fprintf(&b, "  v%d: %s\n", i, yamlQuote(l))
		}
		b.WriteString("description: \"${v0}\"\nclient:\n  do: [connect, close]\nserver:\n  do: [accept, close]\n")
		done := make(chan struct{})
		var s *Scenario
		var err error
		go func() {
			defer close(done)
			s, err = Load("f.yaml", []byte(b.String()))
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("Load took more than 1 s on\n%s", b.String())
		}
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a non-empty ErrorList", err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 {
					t.Fatalf("error without a position: %v", e)
				}
			}
			return
		}
		p, err := s.Points()
		if err != nil {
			t.Fatalf("Points after a clean Load: %v", err)
		}
		if d := p[0].Config.Description; len(d) > maxVarLen {
			t.Fatalf("description of %d bytes passed the limit", len(d))
		}
	})
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0xfffd:
			fmt.Fprintf(&b, "\\x%02x", r&0xff)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
