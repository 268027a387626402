package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadBound is how long one Load may take on any input: a scenario file is
// small, and a loader that takes longer can be made to take much longer
// (alias expansion multiplied by sweep points).
const loadBound = time.Second

// knownLoadBugs are inputs of testdata/fuzz/FuzzLoadStrict that broke an
// invariant because of a loader bug. While the bug is there the target
// skips the input (so that CI stays green) and says why; once the loader is
// fixed the input passes and checks the fix, and its entry can go.
var knownLoadBugs = map[string]string{
	// None now: the three inputs in testdata/fuzz/FuzzLoadStrict were fixed
	// (one-line messages; bounded load time) and stay as regression cases.
}

func sha(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// FuzzLoadStrict holds Load to the exact contract of its errors, beyond
// FuzzLoad: a position with line and column 1 or more on every error
// except the one whole-file problem (an empty file: line 0, column 0, the
// same message Load gives for no bytes at all); no line past the end of the
// file; messages on one line (a newline would break the file:line:col
// format that editors and CI parse); errors in file order; the same errors
// for the same bytes; a scenario with as many points as its sweep says; and
// every call under loadBound.
func FuzzLoadStrict(f *testing.F) {
	for _, n := range BuiltinNames() {
		b, _ := Builtin(n)
		f.Add(b)
	}
	bad, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, p := range bad {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	for _, s := range []string{
		"", "# only a comment\n", "\n\n", "---\n", "---\n...\n", "~", "[]", "{}", "name: x\n---\n", "\xef\xbb\xbfname: x\n",
		"name: x\nclient:\n  do: [connect, {sleep: \"-1\\nms\"}, close]\nserver:\n  do: [accept, close]\n",
		"name: \"a\\nb\"\nclient:\n  do: [connect, close]\nserver:\n  do: [accept, close]\n",
		"name: x\nvars: {\"a\\nb\": 1ms}\nclient:\n  do: [connect, close]\nserver:\n  do: [accept, close]\n",
		"name: x\nclient:\n  tcp: {\"mss\\n\": 1}\n  do: [connect, close]\nserver:\n  do: [accept, close]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		reason, known := knownLoadBugs[sha(data)]
		if !known {
			if problem := checkLoadStrict(data); problem != "" {
				t.Fatal(problem)
			}
			return
		}
		// A known bug: check in the background, so that a hang costs
		// only a little more than the bound.
		done := make(chan string, 1)
		go func() { done <- checkLoadStrict(data) }()
		select {
		case problem := <-done:
			if problem != "" {
				t.Skipf("%s: %s", reason, problem)
			}
			t.Logf("fixed, its knownLoadBugs entry can go: %s", reason)
		case <-time.After(2 * loadBound * raceSlowdown):
			t.Skipf("%s: still over %v", reason, 2*loadBound*raceSlowdown)
		}
	})
}

// checkLoadStrict loads data and returns the first broken invariant, or "".
func checkLoadStrict(data []byte) string {
	start := time.Now()
	s, err := Load("f.yaml", data)
	if el := time.Since(start); el > loadBound*raceSlowdown {
		return fmt.Sprintf("Load took %v (bound %v) on %d bytes", el, loadBound*raceSlowdown, len(data))
	}
	_, again := Load("f.yaml", data)
	if fmt.Sprint(err) != fmt.Sprint(again) {
		return fmt.Sprintf("Load is not deterministic:\n%v\n---\n%v", err, again)
	}
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			return fmt.Sprintf("error %v is not a non-empty ErrorList", err)
		}
		_, empty := Load("f.yaml", nil)
		emptyMsg := empty.(ErrorList)[0].Msg
		// YAML breaks lines at \n, \r\n and a lone \r alike.
		lines := bytes.Count(bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n")), []byte("\n")) + 1
		for i, e := range list {
			switch {
			case e.File != "f.yaml":
				return fmt.Sprintf("error names file %q: %v", e.File, e)
			case e.Msg == "" || strings.ContainsAny(e.Msg, "\n\r"):
				return fmt.Sprintf("message empty or on several lines: %q", e.Msg)
			case e.Line == 0 && (e.Col != 0 || e.Msg != emptyMsg || len(list) != 1):
				return fmt.Sprintf("line 0 is only for an empty file, got %#v in %v", e, err)
			case e.Line != 0 && (e.Line < 1 || e.Col < 1 || e.Line > lines+1):
				return fmt.Sprintf("position %d:%d outside a file of %d lines: %v", e.Line, e.Col, lines, e)
			case i > 0 && (e.Line < list[i-1].Line || e.Line == list[i-1].Line && e.Col < list[i-1].Col):
				return fmt.Sprintf("errors out of file order: %v", err)
			}
		}
		return ""
	}
	if n := s.pointCount(); n <= 1000 {
		pts, err := s.Points()
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				return fmt.Sprintf("Points: %v is not an ErrorList", err)
			}
			return ""
		}
		if len(pts) != n {
			return fmt.Sprintf("%d points, the sweep has %d", len(pts), n)
		}
	}
	return ""
}
