package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/scenarios"
)

// lossyScenario ends its runs several ways: losses make some closes
// four-way and some connects fail, and the sweep has two keys.
const lossyScenario = `# kept byte for byte in scenario.yaml
name: lossy
seed: 5
runs: 6
stop_after: 30s
link: {delay: 5ms, loss: 0.3}
vars: {close_delay: 0ms}
client:
  tcp: {syn_retries: 1}
  do: [connect, {send: 100B}, close]
server:
  do: [accept, {read: eof}, {sleep: "${close_delay}"}, close]
sweep:
  close_delay: [0ms, 42ms, 100ms]
  link.delay: [5ms, 20ms]
`

// writeScenario writes text to a file in a fresh folder.
func writeScenario(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// readRuns reads a runs.csv into rows by column name.
func readRuns(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestFolderRecord: a finished folder holds the scenario as given, byte
// for byte (a file, a built-in, standard input), the scenario as resolved
// (which 'emu run' repeats the rows from without a flag), and run.json with the
// command line, emu's version and commit, and the --set, --runs and --seed
// that ran; summary.json's resolved points carry the seed and runs that
// ran. The files are in the completion marker's set.
func TestFolderRecord(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	builtin, _ := scenarios.Builtin("half-close")
	for _, c := range []struct {
		name     string
		args     []string
		stdin    string
		want     string // scenario.yaml
		scenario string
		sets     []string
		runs     int
		seed     uint64
		ovRuns   *int
		ovSeed   *uint64
	}{
		{"file", []string{file, "--runs", "2", "--seed", "11", "--set", "link.loss=0.1", "--jobs", "3"}, "", lossyScenario, file, []string{"link.loss=0.1"}, 2, 11, ptr(2), ptr(uint64(11))},
		{"file defaults", []string{file}, "", lossyScenario, file, []string{}, 6, 5, nil, nil},
		{"built-in", []string{"half-close", "--seed", "0"}, "", string(builtin), "half-close", []string{}, 20, 0, nil, ptr(uint64(0))},
		{"stdin", []string{"-", "--runs", "1"}, lossyScenario, lossyScenario, "-", []string{}, 1, 5, ptr(1), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := append(append([]string{"run"}, c.args...), "--quiet", "--out", dir)
			if out, errs, code := emu(t, c.stdin, args...); code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errs)
			}
			b, err := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
			if err != nil || string(b) != c.want {
				t.Errorf("scenario.yaml: %v\n%s\nwant\n%s", err, b, c.want)
			}
			var rec map[string]any
			b, _ = os.ReadFile(filepath.Join(dir, "run.json"))
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("run.json: %v\n%s", err, b)
			}
			var argv []string
			for _, a := range rec["argv"].([]any) {
				argv = append(argv, a.(string))
			}
			if want := append([]string{"emu"}, args...); !slices.Equal(argv, want) {
				t.Errorf("argv %q, want %q", argv, want)
			}
			var sets []string
			for _, s := range rec["sets"].([]any) {
				sets = append(sets, s.(string))
			}
			if !slices.Equal(sets, c.sets) || len(sets) != len(c.sets) {
				t.Errorf("sets %q, want %q", sets, c.sets)
			}
			if rec["emu_version"] != version || rec["commit"] != commit() || rec["commit"] == "" || rec["scenario"] != c.scenario {
				t.Errorf("emu_version %v, commit %v, scenario %v", rec["emu_version"], rec["commit"], rec["scenario"])
			}
			if rec["seed"] != float64(c.seed) || rec["runs_per_point"] != float64(c.runs) {
				t.Errorf("seed %v runs %v, want %d and %d", rec["seed"], rec["runs_per_point"], c.seed, c.runs)
			}
			ov := rec["overrides"].(map[string]any)
			if (c.ovRuns == nil) != (ov["runs"] == nil) || (c.ovRuns != nil && ov["runs"] != float64(*c.ovRuns)) {
				t.Errorf("overrides.runs %v, want %v", ov["runs"], c.ovRuns)
			}
			if (c.ovSeed == nil) != (ov["seed"] == nil) || (c.ovSeed != nil && ov["seed"] != float64(*c.ovSeed)) {
				t.Errorf("overrides.seed %v, want %v", ov["seed"], c.ovSeed)
			}
			var sum struct {
				Scenario struct {
					Points []struct {
						Config struct {
							Seed uint64 `json:"seed"`
							Runs int    `json:"runs"`
						} `json:"config"`
					} `json:"points"`
				} `json:"scenario"`
			}
			b, _ = os.ReadFile(filepath.Join(dir, "summary.json"))
			if err := json.Unmarshal(b, &sum); err != nil {
				t.Fatal(err)
			}
			for i, p := range sum.Scenario.Points {
				if p.Config.Seed != c.seed || p.Config.Runs != c.runs {
					t.Errorf("summary.json point %d: config seed %d runs %d, want %d and %d", i, p.Config.Seed, p.Config.Runs, c.seed, c.runs)
				}
			}
			// The resolved scenario alone, without a flag, repeats the rows.
			again := filepath.Join(t.TempDir(), "again")
			if out, errs, code := emu(t, "", "run", filepath.Join(dir, "scenario.resolved.yaml"), "--quiet", "--out", again); code != 0 {
				t.Fatalf("run of scenario.resolved.yaml: exit %d: %s%s", code, out, errs)
			}
			for _, f := range []string{"runs.csv", "summary.csv", "summary.json"} {
				a, _ := os.ReadFile(filepath.Join(dir, f))
				b, _ := os.ReadFile(filepath.Join(again, f))
				if len(a) == 0 || string(a) != string(b) {
					t.Errorf("%s of scenario.resolved.yaml differs from the run's", f)
				}
			}
			b, _ = os.ReadFile(filepath.Join(dir, runner.CompleteFile))
			for _, f := range []string{"scenario.yaml", "scenario.resolved.yaml", "run.json"} {
				if !strings.Contains(string(b), `"`+f+`"`) {
					t.Errorf("%s is not in the completion marker's set: %s", f, b)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestFolderRecordJobsAndMerge: runs with other --jobs, and the merge of a
// sharded run, give the same data files; their run.json say what each
// command line was, and the merged one names its shards and can be
// traced.
func TestFolderRecordJobsAndMerge(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	base := t.TempDir()
	dirs := map[string][]string{
		"j1": {"run", file, "--jobs", "1"},
		"j4": {"run", file, "--jobs", "4"},
		"s0": {"run", file, "--shard", "0/2"},
		"s1": {"run", file, "--shard", "1/2"},
	}
	for name, args := range dirs {
		if out, errs, code := emu(t, "", append(args, "--quiet", "--out", filepath.Join(base, name))...); code != 0 {
			t.Fatalf("%s: exit %d %s%s", name, code, out, errs)
		}
	}
	merged := filepath.Join(base, "m")
	if out, errs, code := emu(t, "", "merge", "--out", merged, filepath.Join(base, "s1"), filepath.Join(base, "s0")); code != 0 {
		t.Fatalf("merge: exit %d %s%s", code, out, errs)
	}
	for _, f := range []string{"runs.csv", "summary.csv", "summary.json", "scenario.yaml", "scenario.resolved.yaml"} {
		want, _ := os.ReadFile(filepath.Join(base, "j1", f))
		for _, d := range []string{"j4", "m"} {
			if got, _ := os.ReadFile(filepath.Join(base, d, f)); string(got) != string(want) {
				t.Errorf("%s/%s differs from j1's", d, f)
			}
		}
	}
	var rec runRecord
	b, _ := os.ReadFile(filepath.Join(merged, "run.json"))
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Argv[1] != "merge" || rec.Shard != "" || len(rec.MergedFrom) != 2 ||
		rec.MergedFrom[0].Dir != filepath.Join(base, "s0") || !slices.Contains(rec.MergedFrom[1].Argv, "1/2") || rec.Seed != 5 || rec.Runs != 6 {
		t.Errorf("merged run.json: %s", b)
	}
	out, errs, code := emu(t, "", "trace", merged, "--point", "5", "--run", "3")
	if code != 0 || !strings.Contains(out, "the same as row (point 5, run 3) of "+filepath.Join(merged, "runs.csv")) {
		t.Errorf("trace of the merged folder: exit %d\n%s%s", code, out, errs)
	}
	// A shard's folder replays every row, and compares those it has.
	out, _, code = emu(t, "", "trace", filepath.Join(base, "s0"), "--point", "0", "--run", "1")
	if code != 0 || !strings.Contains(out, "has no row for point 0 run 1") {
		t.Errorf("trace of a shard's row it lacks: exit %d\n%s", code, out)
	}
}

// closeTypeLine is the ladder's closing line.
var closeTypeLine = regexp.MustCompile(`(?m)^close type: ([a-z-]+) \(first closer: ([a-z]+)`)

// TestRetraceFolderRow: emu trace DIR --point P --run R replays the row of
// a finished folder: the ladder's close type and first closer are those of
// the row, read here from runs.csv, and emu reports the whole row equal.
// A row changed in runs.csv is reported by column, exit 1.
func TestRetraceFolderRow(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if out, errs, code := emu(t, "", "run", file, "--quiet", "--seed", "77", "--set", "link.loss=0.25", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	rows := readRuns(t, dir)
	if len(rows) != 36 {
		t.Fatalf("%d rows, want 6 points of 6 runs", len(rows))
	}
	kinds := map[string]bool{}
	for _, row := range rows {
		p, r := row["point"], row["run"]
		out, errs, code := emu(t, "", "trace", dir, "--point", p, "--run", r)
		if code != 0 {
			t.Fatalf("point %s run %s: exit %d: %s", p, r, code, errs)
		}
		m := closeTypeLine.FindStringSubmatch(out)
		if m == nil || m[1] != row["close_type"] || m[2] != row["first_closer"] {
			t.Errorf("point %s run %s: ladder says %v, runs.csv %s (first closer %s)", p, r, m, row["close_type"], row["first_closer"])
		}
		seed, _ := strconv.ParseUint(row["seed"], 10, 64)
		pi, _ := strconv.Atoi(p)
		ri, _ := strconv.Atoi(r)
		if seed != engine.RunSeed(77, pi, ri) || !strings.Contains(out, "seed "+row["seed"]) {
			t.Errorf("point %s run %s: runs.csv seed %s, heading %q", p, r, row["seed"], strings.SplitN(out, "\n", 2)[0])
		}
		if !strings.Contains(out, "the same as row (point "+p+", run "+r+")") {
			t.Errorf("point %s run %s: no equality line:\n%s", p, r, out)
		}
		kinds[row["close_type"]] = true
	}
	if len(kinds) < 2 {
		t.Errorf("the rows ended only as %v: the test covers one close type", kinds)
	}
	// Change one row's close type: the check must see it.
	b, _ := os.ReadFile(filepath.Join(dir, "runs.csv"))
	lines := strings.Split(string(b), "\n")
	other := "rst"
	if rows[8]["close_type"] == "rst" {
		other = "timeout"
	}
	lines[9] = strings.Replace(lines[9], ","+rows[8]["close_type"]+",", ","+other+",", 1)
	os.WriteFile(filepath.Join(dir, "runs.csv"), []byte(strings.Join(lines, "\n")), 0o644)
	_, errs, code := emu(t, "", "trace", dir, "--point", rows[8]["point"], "--run", rows[8]["run"])
	want := `close_type "` + rows[8]["close_type"] + `" here, "` + other + `" there`
	if code != 1 || !strings.Contains(errs, want) {
		t.Errorf("changed row: exit %d, %q; want exit 1 and %q", code, errs, want)
	}
}

// TestTraceFolderInput: what emu trace refuses of a folder, and how.
func TestTraceFolderInput(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if _, errs, code := emu(t, "", "run", file, "--quiet", "--runs", "2", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	old := filepath.Join(t.TempDir(), "old")
	if _, errs, code := emu(t, "", "run", file, "--quiet", "--runs", "2", "--out", old); code != 0 {
		t.Fatal(errs)
	}
	os.Remove(filepath.Join(old, "run.json"))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{dir, "--set", "link.loss=0"}, 2, "is a finished run: its rows are those of its scenario and settings"},
		{[]string{dir, "--seed", "3"}, 2, "is a finished run"},
		{[]string{dir, "--run", "2"}, 2, "--run 2 is out of range (each point has runs 0 to 1)"},
		{[]string{old}, 2, "has no run.json (written by an older emu, or not by emu run)"},
		{[]string{dir, "--first", "three-way", "--connection", "1"}, 2, "--first picks the connection itself"},
	} {
		_, errs, code := emu(t, "", append([]string{"trace"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("emu trace %s: exit %d, %q; want %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
	}
}

// TestTracePointBySweepValue: --point takes the point's sweep values; the
// points of lossyScenario are (close_delay, link.delay) = (0ms, 5ms),
// (0ms, 20ms), (42ms, 5ms), (42ms, 20ms), (100ms, 5ms), (100ms, 20ms).
func TestTracePointBySweepValue(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	for _, c := range []struct {
		points []string
		code   int
		want   string
	}{
		{[]string{"close_delay=42ms,link.delay=20ms"}, 0, "point 3 (close_delay=42ms, link.delay=20ms)"},
		{[]string{"link.delay=20ms,close_delay=42ms"}, 0, "point 3 (close_delay=42ms, link.delay=20ms)"},
		{[]string{"close_delay=0.1s", "link.delay=5ms"}, 0, "point 4 (close_delay=100ms, link.delay=5ms)"},
		{[]string{"close_delay=0ms,link.delay=0.02s"}, 0, "point 1 (close_delay=0ms, link.delay=20ms)"},
		{[]string{"5"}, 0, "point 5 (close_delay=100ms, link.delay=20ms)"},
		{[]string{"close_delay=42ms"}, 2, "--point close_delay=42ms matches 2 points (2 to 3): add link.delay=5ms|20ms"},
		{[]string{"close_delay=41ms,link.delay=5ms"}, 2, "--point close_delay=41ms: close_delay takes 0ms, 42ms, 100ms"},
		{[]string{"delay=5ms"}, 2, `"delay" is not a sweep key of lossy; its sweep keys are close_delay, link.delay`},
		{[]string{"close_delay=0ms", "close_delay=42ms"}, 2, "close_delay given twice"},
		{[]string{"6"}, 2, "--point 6 is out of range (the sweep has points 0 to 5)"},
		{[]string{"-1"}, 2, "--point -1 is out of range"},
		{[]string{"last"}, 2, `--point "last": write a point number (as in runs.csv) or the point's sweep values, key=value`},
	} {
		args := []string{"trace", file}
		for _, p := range c.points {
			args = append(args, "--point", p)
		}
		out, errs, code := emu(t, "", args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("--point %q: exit %d, want %d and %q:\n%s%s", c.points, code, c.code, c.want, firstLine(out), errs)
		}
	}
	_, errs, code := emu(t, "", "trace", "half-close", "--point", "x=1")
	if code != 2 || !strings.Contains(errs, "half-close has no sweep; its only point is 0") {
		t.Errorf("--point x=1 without a sweep: exit %d, %q", code, errs)
	}
	// A long list of values is shortened in the message.
	_, errs, _ = emu(t, "", "trace", "delayed-ack-boundary", "--point", "close_delay=1ms")
	if want := "close_delay takes 0ms, 10ms, 20ms, 30ms, 39ms, ..., 47ms, 50ms, 60ms, 80ms, 100ms (17 values)"; !strings.Contains(errs, want) {
		t.Errorf("long value list: %q, want %q", errs, want)
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// TestTraceSeed: --seed replaces the scenario's seed as in emu run: run R
// of point P uses engine.RunSeed(seed, P, R), and the ladder is that row
// of a run with the same --seed.
func TestTraceSeed(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if _, errs, code := emu(t, "", "run", file, "--quiet", "--seed", "123", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	rows := readRuns(t, dir)
	for _, c := range []struct{ point, run int }{{0, 0}, {2, 5}, {5, 3}} {
		out, errs, code := emu(t, "", "trace", file, "--seed", "123", "--point", strconv.Itoa(c.point), "--run", strconv.Itoa(c.run))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		want := "seed " + strconv.FormatUint(engine.RunSeed(123, c.point, c.run), 10)
		if !strings.Contains(firstLine(out), want) {
			t.Errorf("heading %q, want %q", firstLine(out), want)
		}
		row := rows[c.point*6+c.run]
		if m := closeTypeLine.FindStringSubmatch(out); m == nil || m[1] != row["close_type"] {
			t.Errorf("point %d run %d with --seed 123: ladder %v, runs.csv %s", c.point, c.run, m, row["close_type"])
		}
	}
	out, _, _ := emu(t, "", "trace", file)
	if want := "seed " + strconv.FormatUint(engine.RunSeed(5, 0, 0), 10); !strings.Contains(firstLine(out), want) {
		t.Errorf("without --seed: %q, want the file's seed 5: %q", firstLine(out), want)
	}
}

// TestTraceFirst: --first TYPE replays the first run of the point (from
// --run on) whose close type is TYPE, which is the first such row of
// runs.csv; in runs of many connections the first connection that ended
// so. None is exit 1; an unknown type exit 2.
func TestTraceFirst(t *testing.T) {
	file := writeScenario(t, lossyScenario)
	dir := filepath.Join(t.TempDir(), "out")
	if _, errs, code := emu(t, "", "run", file, "--quiet", "--runs", "30", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	rows := readRuns(t, dir)
	firstOf := func(point, from int, ct string) int {
		for _, r := range rows {
			p, _ := strconv.Atoi(r["point"])
			run, _ := strconv.Atoi(r["run"])
			if p == point && run >= from && r["close_type"] == ct {
				return run
			}
		}
		return -1
	}
	found := 0
	for _, c := range []struct {
		point, from int
		first, ct   string
	}{
		{0, 0, "three-way", "three-way"},
		{4, 0, "four-way", "four-way"},
		{4, 3, "four-way", "four-way"},
		{2, 0, "no-connect", "no-connect"},
		{2, 0, "failed", "no-connect"},
		{3, 10, "failed", "no-connect"},
		{5, 0, "rst", "rst"},
	} {
		want := firstOf(c.point, c.from, c.ct)
		out, errs, code := emu(t, "", "trace", dir, "--point", strconv.Itoa(c.point), "--run", strconv.Itoa(c.from), "--first", c.first)
		if want < 0 {
			if code != 1 || !strings.Contains(errs, "ended as "+c.ct) {
				t.Errorf("--first %s at point %d: no such row, exit %d: %s", c.first, c.point, code, errs)
			}
			continue
		}
		found++
		if code != 0 || !strings.Contains(firstLine(out), ", run "+strconv.Itoa(want)+",") ||
			!strings.Contains(out, "close type: "+c.ct+" ") || !strings.Contains(out, "the same as row (point "+strconv.Itoa(c.point)+", run "+strconv.Itoa(want)+")") {
			t.Errorf("--first %s at point %d from run %d: want run %d; exit %d\n%s%s", c.first, c.point, c.from, want, code, firstLine(out), errs)
		}
	}
	if found < 4 {
		t.Errorf("only %d of the cases found a run: the scenario no longer covers them", found)
	}
	_, errs, code := emu(t, "", "trace", dir, "--first", "sideways")
	if code != 2 || !strings.Contains(errs, `--first "sideways": write a close type (three-way, four-way, simultaneous, rst, fin-rst, timeout, incomplete, no-connect) or failed`) {
		t.Errorf("--first sideways: exit %d %q", code, errs)
	}
}

// TestTraceConnectionOfMany: in runs of many connections, --first picks the
// first connection that ended as asked, --connection draws any one, and the
// ladder's close type is the one the run counted for it.
func TestTraceConnectionOfMany(t *testing.T) {
	file := writeScenario(t, `name: many
runs: 3
stop_after: 5s
link: {delay: 1ms, loss: 0.2}
connections: {count: 6, every: 10ms}
client:
  tcp: {syn_retries: 1}
  do: [connect, {send: 100B}, close]
server:
  do: [accept, {read: eof}, close]
`)
	dir := filepath.Join(t.TempDir(), "out")
	if _, errs, code := emu(t, "", "run", file, "--quiet", "--out", dir); code != 0 {
		t.Fatal(errs)
	}
	rows := readRuns(t, dir)
	heading := regexp.MustCompile(`run (\d+), seed \d+, connection (\d+)`)
	found := 0
	for _, ct := range []string{"three-way", "four-way", "no-connect"} {
		// The run --first lands in is the first whose row counts one.
		wantRun := -1
		for i, r := range rows {
			if n, _ := strconv.Atoi(r["connections_"+strings.ReplaceAll(ct, "-", "_")]); n > 0 {
				wantRun = i
				break
			}
		}
		out, errs, code := emu(t, "", "trace", dir, "--first", ct)
		if wantRun < 0 {
			if code != 1 {
				t.Errorf("--first %s: none counted, exit %d: %s", ct, code, errs)
			}
			continue
		}
		found++
		m := heading.FindStringSubmatch(firstLine(out))
		if code != 0 || m == nil || m[1] != strconv.Itoa(wantRun) || !strings.Contains(out, "close type: "+ct+" ") {
			t.Fatalf("--first %s: want run %d; exit %d\n%s%s", ct, wantRun, code, out, errs)
		}
		// The same connection by number draws the same ladder.
		again, _, _ := emu(t, "", "trace", dir, "--run", m[1], "--connection", m[2])
		if again != out {
			t.Errorf("--first %s gave connection %s of run %s, --connection %s draws another ladder", ct, m[2], m[1], m[2])
		}
	}
	if found < 2 {
		t.Errorf("only %d close types occurred: the scenario no longer covers the test", found)
	}
	_, errs, code := emu(t, "", "trace", dir, "--connection", "6")
	if code != 2 || !strings.Contains(errs, "no connection 6: the run opened 6 (0 to 5)") {
		t.Errorf("--connection 6: exit %d %q", code, errs)
	}
}

// TestRunRefusesInterrupted: emu run into a folder that holds an
// interrupted run exits 2, says how to resume, and leaves it; --force
// discards it and runs; --resume with --force is refused.
func TestRunRefusesInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}, stdin: strings.NewReader("")}
	plan, err := loadPlan(e, "delayed-ack-boundary", nil, overrides{runs: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := runner.Options{Jobs: 1, Window: 1, Progress: func(done, _ int64) {
		if done == 5 {
			cancel()
		}
	}}
	var in *runner.Interrupted
	if _, err := runner.Execute(ctx, plan, dir, opt); !errors.As(err, &in) {
		t.Fatalf("Execute: %v", err)
	}
	_, errs, code := emu(t, "", "run", "half-close", "--quiet", "--out", dir)
	want := dir + " holds an interrupted run (" + strconv.FormatInt(in.Done, 10) + " of 68 runs done).\nComplete it with:\n  emu run --resume " + dir + "\nor discard it and start over with --force"
	if code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, %q; want 2 and %q", code, errs, want)
	}
	if _, ok := runner.FindInterrupted(dir); !ok || runner.IsComplete(dir) {
		t.Error("the refused run touched the interrupted one")
	}
	if _, errs, code := emu(t, "", "run", "--resume", dir, "--force"); code != 2 || !strings.Contains(errs, "takes no scenario and no --out, --set, --runs, --seed, --shard or --force") {
		t.Errorf("--resume --force: exit %d %q", code, errs)
	}
	if _, errs, code := emu(t, "", "run", "half-close", "--quiet", "--runs", "3", "--out", dir, "--force"); code != 0 {
		t.Fatalf("--force: exit %d %s", code, errs)
	}
	if _, ok := runner.FindInterrupted(dir); ok || !runner.IsComplete(dir) {
		t.Error("--force left the interrupted run, or no complete folder")
	}
	if rows := readRuns(t, dir); len(rows) != 3 {
		t.Errorf("%d rows after --force, want half-close's 3", len(rows))
	}
	// A finished folder is no interrupted run: running into it again is fine.
	if _, errs, code := emu(t, "", "run", "half-close", "--quiet", "--runs", "2", "--out", dir); code != 0 {
		t.Errorf("a second run into a finished folder: exit %d %s", code, errs)
	}
}
