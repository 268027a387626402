package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/emu-sim/emu/results"
)

// TestDocsClassifyColumns: every column of the files emu classify writes,
// and every key of its summary.json, has a row in docs/outputs.md, in the
// table after its marker; the headers are read from the files written.
func TestDocsClassifyColumns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	caps := filepath.Join("..", "..", "testdata", "captures")
	if stdout, stderr, code := emu(t, "", "classify", filepath.Join(caps, "sll2.pcap"), "--port", "5009", "--quiet", "--out", out); code != 0 {
		t.Fatalf("emu classify: exit %d\n%s%s", code, stdout, stderr)
	}
	tables := docTables(t, "outputs.md")
	match := func(doc, col string) bool {
		if doc == col {
			return true
		}
		for _, ty := range results.CloseTypes() {
			if strings.ReplaceAll(doc, "<type>", ty.Column()) == col {
				return true
			}
		}
		return false
	}
	for _, name := range []string{"connections.csv", "summary.csv"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Split(strings.SplitN(string(b), "\n", 2)[0], ",")
		table, ok := tables["columns: classify "+name]
		if !ok {
			t.Fatalf("docs/outputs.md has no table after <!-- columns: classify %s -->", name)
		}
		for _, col := range header {
			if documented(table, col, match) == nil {
				t.Errorf("docs/outputs.md: classify %s column %q is not documented", name, col)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := k
				switch {
				case path == "files[].close_types":
					p = path + ".<type>"
				case path != "":
					p = path + "." + k
				}
				keys[p] = true
				walk(c, p)
			}
		case []any:
			for _, c := range x {
				walk(c, path+"[]")
			}
		}
	}
	walk(doc, "")
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	if len(sorted) < 15 {
		t.Fatalf("only %d keys in summary.json: %q", len(sorted), sorted)
	}
	for _, k := range sorted {
		if documented(tables["columns: classify summary.json"], k, exact) == nil {
			t.Errorf("docs/outputs.md: classify summary.json key %q is not documented", k)
		}
	}
}
