package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any bytes give a scenario whose points resolve, or a list of
// errors each with a position (line 0 only for a whole-file problem), and
// never a panic.
func FuzzLoad(f *testing.F) {
	for _, n := range BuiltinNames() {
		b, _ := Builtin(n)
		f.Add(b)
	}
	bad, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, p := range bad {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("name: x\nvars: {a: '${b}', b: '${a}'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load("f.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a non-empty ErrorList", err)
			}
			for _, e := range list {
				if e.Line < 0 || e.Col < 0 || (e.Line > 0 && e.Col < 1) || e.Msg == "" {
					t.Fatalf("bad error position or message: %#v", e)
				}
			}
			return
		}
		if s.pointCount() > 1000 {
			return // resolving huge sweeps is slow, not wrong
		}
		if _, err := s.Points(); err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Points: %v is not an ErrorList", err)
			}
		}
	})
}
