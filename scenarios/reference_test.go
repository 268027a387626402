package scenarios

import (
	"strings"
	"testing"
)

// TestKeyTablesAreTheDecoders: an unknown key in each mapping is refused
// with exactly the table's keys as the allowed ones, so the tables that the
// documentation and the schema are built from are the decoder's own.
func TestKeyTablesAreTheDecoders(t *testing.T) {
	const sides = "client: {do: [connect, close]}\nserver: {do: [accept, close]}\n"
	files := map[string]string{
		"":             "name: t\nzzz: 1\n" + sides,
		"link":         "name: t\nlink: {zzz: 1}\n" + sides,
		"link.forward": "name: t\nlink: {forward: {zzz: 1}}\n" + sides,
		"link.jitter":  "name: t\nlink: {jitter: {dist: uniform, zzz: 1}}\n" + sides,
		"link.loss":    "name: t\nlink: {loss: {zzz: 1}}\n" + sides,
		"connections":  "name: t\nconnections: {zzz: 1}\n" + sides,
		"client":       "name: t\nclient: {zzz: 1, do: [connect, close]}\nserver: {do: [accept, close]}\n",
		"host":         "name: t\nclient: {host: {zzz: 1}, do: [connect, close]}\nserver: {do: [accept, close]}\n",
		"tcp":          "name: t\nclient: {tcp: {zzz: 1}, do: [connect, close]}\nserver: {do: [accept, close]}\n",
		"set":          "name: t\nclient: {do: [{set: {zzz: 1}}, connect, close]}\nserver: {do: [accept, close]}\n",
		"range":        "name: t\n" + sides + "sweep: {link.delay: {zzz: 1}}\n",
	}
	tables := KeyTables()
	if len(tables) != len(files) {
		t.Fatalf("%d tables, %d test files: give the new table a file", len(tables), len(files))
	}
	for _, tb := range tables {
		file, ok := files[tb.Path]
		if !ok {
			t.Errorf("no test file for table %q", tb.Path)
			continue
		}
		_, err := Load("t.yaml", []byte(file))
		want := "allowed: " + strings.Join(tb.Keys, ", ") + ")"
		if err == nil || !strings.Contains(err.Error(), `"zzz"`) || !strings.Contains(err.Error(), want) {
			t.Errorf("table %q: error %v, want one naming \"zzz\" with %q", tb.Path, err, want)
		}
	}
}

// TestActionsTable: every action of the table is known to the decoder
// (no "unknown action"), and a bare name that takes an argument asks for it.
func TestActionsTable(t *testing.T) {
	for _, a := range Actions() {
		file := "name: t\nclient: {do: [connect, " + a + "]}\nserver: {do: [accept, close]}\n"
		_, err := Load("t.yaml", []byte(file))
		if err != nil && strings.Contains(err.Error(), "unknown action") {
			t.Errorf("action %q: %v", a, err)
		}
		if ActionTakesArgument(a) != (err != nil && strings.Contains(err.Error(), "needs an argument")) {
			t.Errorf("action %q: takes an argument = %v, but bare it gives %v", a, ActionTakesArgument(a), err)
		}
	}
}
