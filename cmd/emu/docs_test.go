package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
)

// docRow is one row of a reference table in docs/: the names written in
// backticks in its first cell, and the whole row.
type docRow struct {
	names []string
	text  string
}

var (
	docMarker = regexp.MustCompile(`^<!-- (.+) -->$`)
	backticks = regexp.MustCompile("`([^`]+)`")
	leadName  = regexp.MustCompile(`^\{?([a-z_0-9]+)`)
)

// docTables returns the tables of a page of docs/ that follow a marker
// line <!-- NAME --> (such as <!-- keys: link -->), by NAME, without their
// header rows.
func docTables(t *testing.T, page string) map[string][]docRow {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", page))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables := map[string][]docRow{}
	marker, rows := "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := docMarker.FindStringSubmatch(line); m != nil {
			marker, rows = m[1], 0
			tables[marker] = nil
			continue
		}
		if marker == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if rows > 0 {
				marker = ""
			}
			continue
		}
		rows++
		cells := strings.Split(line, "|")
		if rows == 1 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue // the header and the separator
		}
		var names []string
		for _, m := range backticks.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, m[1])
		}
		tables[marker] = append(tables[marker], docRow{names: names, text: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}

// documented returns the row of table that names name, or nil.
func documented(table []docRow, name string, match func(doc, name string) bool) *docRow {
	for i := range table {
		for _, n := range table[i].names {
			if match(n, name) {
				return &table[i]
			}
		}
	}
	return nil
}

func exact(doc, name string) bool { return doc == name }

// TestDocsScenarioKeys: every key of every mapping the scenario decoder
// accepts, every action and every TCP setting (with each value of an enum
// setting) has a row in docs/scenarios.md, in the table after its marker.
// The lists come from the decoder's own tables, so a key added to the
// decoder without documentation fails here.
func TestDocsScenarioKeys(t *testing.T) {
	tables := docTables(t, "scenarios.md")
	for _, kt := range scenarios.KeyTables() {
		marker := "keys: " + kt.Path
		if kt.Path == "" {
			marker = "keys: top"
		}
		table, ok := tables[marker]
		if !ok {
			t.Errorf("docs/scenarios.md has no table after <!-- %s --> for the keys %s", marker, strings.Join(kt.Keys, ", "))
			continue
		}
		for _, k := range kt.Keys {
			if documented(table, k, exact) == nil {
				t.Errorf("docs/scenarios.md: key %q is not in the table after <!-- %s -->", k, marker)
			}
		}
	}
	actions, ok := tables["actions"]
	if !ok {
		t.Fatal("docs/scenarios.md has no table after <!-- actions -->")
	}
	for _, a := range scenarios.Actions() {
		lead := func(doc, name string) bool {
			m := leadName.FindStringSubmatch(doc)
			return m != nil && m[1] == name
		}
		if documented(actions, a, lead) == nil {
			t.Errorf("docs/scenarios.md: action %q is not in the table after <!-- actions -->", a)
		}
	}
	for _, s := range scenarios.TCPSettingInfos() {
		row := documented(tables["keys: tcp"], s.Name, exact)
		if row == nil {
			continue // reported above
		}
		for _, v := range s.Enum {
			if !strings.Contains(row.text, "`"+v+"`") {
				t.Errorf("docs/scenarios.md: setting %s: its value %q is not in its row", s.Name, v)
			}
		}
	}
}

// TestDocsCloseTypes: docs/close-types.md has a section for every close
// type.
func TestDocsCloseTypes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "close-types.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range results.CloseTypes() {
		if !strings.Contains(string(b), "\n## "+ct.String()+"\n") {
			t.Errorf("docs/close-types.md has no section ## %s", ct)
		}
	}
}

// TestDocsOutputColumns runs a small sweep of many connections and checks
// that every column of runs.csv, summary.csv and states.csv, and every key
// of summary.json, has a row in docs/outputs.md. The headers are read from
// the files emu wrote, so a column added anywhere fails here until it is
// documented.
func TestDocsOutputColumns(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cols.yaml")
	scenario := `name: cols
runs: 2
stop_after: 3s
connections: {count: 3, every: 1ms}
link: {delay: 1ms}
client: {do: [connect, {send: 10B}, close]}
server: {do: [accept, {read: eof}, close]}
sweep: {link.delay: [1ms, 2ms]}
`
	if err := os.WriteFile(file, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if stdout, stderr, code := emu(t, "", "run", file, "--quiet", "--runs", "2", "--seed", "3", "--out", out); code != 0 {
		t.Fatalf("emu run: exit %d\n%s%s", code, stdout, stderr)
	}
	tables := docTables(t, "outputs.md")
	var types []string
	for _, ct := range results.CloseTypes() {
		types = append(types, ct.Column())
	}
	// A documented name matches a column when its placeholders, <type> and
	// <sweep keys>, stand for it.
	match := func(doc, col string) bool {
		if doc == col || (doc == "<sweep keys>" && col == "link.delay") {
			return true
		}
		for _, unit := range []string{"_ms", "_bytes", "_bps"} {
			if doc == "<sweep key>"+unit && col == "link.delay"+unit {
				return true
			}
		}
		for _, ty := range types {
			if strings.ReplaceAll(doc, "<type>", ty) == col {
				return true
			}
		}
		return false
	}
	for _, name := range []string{"runs.csv", "summary.csv", "states.csv"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Split(strings.SplitN(string(b), "\n", 2)[0], ",")
		table, ok := tables["columns: "+name]
		if !ok {
			t.Errorf("docs/outputs.md has no table after <!-- columns: %s -->", name)
			continue
		}
		for _, col := range header {
			if documented(table, col, match) == nil {
				t.Errorf("docs/outputs.md: %s column %q is not in the table after <!-- columns: %s -->", name, col, name)
			}
		}
	}
	// Every file of the folder is named in the page, and every key of
	// run.json has a row.
	whole, err := os.ReadFile(filepath.Join("..", "..", "docs", "outputs.md"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if !strings.Contains(string(whole), "`"+en.Name()+"`") && !strings.Contains(string(whole), "`DIR/"+en.Name()) {
			t.Errorf("docs/outputs.md does not name %s, a file of the output folder", en.Name())
		}
	}
	rb, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec any
	if err := json.Unmarshal(rb, &rec); err != nil {
		t.Fatal(err)
	}
	recKeys := map[string]bool{}
	jsonPaths(rec, "", recKeys)
	for k := range recKeys {
		if documented(tables["columns: run.json"], k, exact) == nil {
			t.Errorf("docs/outputs.md: run.json key %q is not in the table after <!-- columns: run.json -->", k)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	jsonPaths(doc, "", keys)
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if documented(tables["columns: summary.json"], k, exact) == nil {
			t.Errorf("docs/outputs.md: summary.json key %q is not in the table after <!-- columns: summary.json -->", k)
		}
	}
}

// jsonPaths collects the key paths of a summary.json document: arrays as
// [], close-type names as <type>; objects keyed by data (sweep values, the
// extra columns, a point's resolved scenario) end the path.
func jsonPaths(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		// An element of an array, or of the close types, is documented by
		// its members.
		if path != "" && !strings.HasSuffix(path, "[]") && !strings.HasSuffix(path, ">") {
			out[path] = true
		}
		switch {
		case path == "points[].sweep", path == "points[].extra", path == "points[].sweep_numbers", path == "scenario.points[].config":
			return
		case path == "points[].close_types":
			for _, c := range x {
				jsonPaths(c, path+".<type>", out)
			}
			return
		}
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			jsonPaths(c, p, out)
		}
	case []any:
		out[path] = true
		for _, c := range x {
			jsonPaths(c, path+"[]", out)
		}
	default:
		if !strings.HasSuffix(path, "[]") {
			out[path] = true
		}
	}
}
