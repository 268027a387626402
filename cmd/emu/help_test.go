package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emu-sim/emu/scenarios"
)

// TestHelpShowsFlags: 'emu help CMD' prints exactly what 'emu CMD -h'
// prints, flags included; every flag the synopsis names is listed, and
// every listed flag is named in the synopsis or explained in the help text.
func TestHelpShowsFlags(t *testing.T) {
	flagName := regexp.MustCompile(`--([a-z][a-z-]*)`)
	listed := regexp.MustCompile(`(?m)^  --([a-z][a-z-]*)`)
	for _, c := range commands {
		help, errs, code := emu(t, "", "help", c.name)
		dashH, _, codeH := emu(t, "", c.name, "-h")
		if code != 0 || codeH != 0 {
			t.Errorf("%s: help exit %d, -h exit %d: %s", c.name, code, codeH, errs)
			continue
		}
		if help != dashH {
			t.Errorf("emu help %s and emu %s -h differ:\n%s\n---\n%s", c.name, c.name, help, dashH)
		}
		if !strings.HasPrefix(help, "Usage: emu "+c.name) {
			t.Errorf("emu help %s does not start with its usage:\n%s", c.name, help)
		}
		flags := map[string]bool{}
		if i := strings.Index(help, "\nFlags:\n"); i >= 0 {
			for _, m := range listed.FindAllStringSubmatch(help[i:], -1) {
				flags[m[1]] = true
			}
		}
		for _, m := range flagName.FindAllStringSubmatch(c.args, -1) {
			if !flags[m[1]] {
				t.Errorf("emu help %s: the synopsis names --%s, the flags do not list it", c.name, m[1])
			}
		}
		for f := range flags {
			if !strings.Contains(c.args, "--"+f) && !strings.Contains(c.help, "--"+f) {
				t.Errorf("emu help %s: --%s is listed but neither the synopsis nor the text mentions it", c.name, f)
			}
		}
	}
	if _, _, code := emu(t, "", "help", "frobnicate"); code != 2 {
		t.Errorf("emu help frobnicate: exit %d, want 2", code)
	}
}

// helpExamples returns the example command lines of a help text: the
// lines "  emu ..." of its "Example:" or "Examples:" paragraph.
func helpExamples(text string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "Example"):
			in = true
		case strings.TrimSpace(line) == "":
			in = false
		case in && strings.HasPrefix(line, "  emu "):
			if i := strings.Index(line, "#"); i >= 0 {
				line = line[:i]
			}
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// TestHelpExamplesRun runs every example of 'emu help' and of every
// command's help, in-process, in a temporary folder (so that out/ and
// the files they write land there): `a && b` runs b after a, `a | b` feeds
// a's output to b, `> FILE` writes it. Files an example needs are made
// first: mine.yaml from a built-in example, and out/NAME by running NAME.
func TestHelpExamplesRun(t *testing.T) {
	usage, _, _ := emu(t, "", "help")
	texts := map[string]string{"emu help": usage}
	for _, c := range commands {
		texts["emu help "+c.name] = c.help
	}
	var examples []string
	for _, src := range []string{"emu help", "emu help run", "emu help trace", "emu help validate", "emu help schema",
		"emu help list", "emu help show", "emu help show-profile", "emu help plot", "emu help merge", "emu help version"} {
		examples = append(examples, helpExamples(texts[src])...)
	}
	for name := range texts {
		if name != "emu help" && findCommand(strings.TrimPrefix(name, "emu help ")) == nil {
			t.Errorf("%s: no such command", name)
		}
	}
	if len(examples) < 15 {
		t.Fatalf("only %d examples found: %q", len(examples), examples)
	}
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	mine, _ := scenarios.Builtin("half-close")
	if err := os.WriteFile("mine.yaml", mine, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		t.Run(ex, func(t *testing.T) {
			if strings.Contains(ex, "time-wait-pileup") && (testing.Short() || raceEnabled) {
				t.Skip("slow: time-wait-pileup simulates 6 s of CPU time")
			}
			for _, cmd := range strings.Split(ex, "&&") {
				stdin := ""
				for _, stage := range strings.Split(cmd, "|") {
					args := strings.Fields(stage)
					var redirect string
					if i := indexOf(args, ">"); i >= 0 && i+1 < len(args) {
						redirect, args = args[i+1], args[:i]
					}
					if args[0] != "emu" {
						t.Fatalf("%q: not an emu command", stage)
					}
					for _, a := range args {
						if name, ok := strings.CutPrefix(a, "out/"); ok {
							if _, err := os.Stat(a); err != nil {
								if _, builtin := scenarios.Builtin(name); builtin {
									if out, errs, code := emu(t, "", "run", name, "--quiet"); code != 0 {
										t.Fatalf("making %s: %s%s", a, out, errs)
									}
								}
							}
						}
					}
					out, errs, code := emu(t, stdin, args[1:]...)
					if code != 0 {
						t.Fatalf("%s: exit %d\n%s%s", stage, code, out, errs)
					}
					if redirect != "" {
						if err := os.WriteFile(redirect, []byte(out), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					stdin = out
				}
			}
		})
	}
	for _, f := range []string{"run17.pcap", "loss.svg", "merged/runs.csv", "emu-scenario.schema.json", "results/mine/summary.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("an example should have written %s: %v", f, err)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestFlagErrors: flag errors name flags as --flag, the form the usage
// uses, and say what a bad value should be.
func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--no-such-flag"}, "emu run: flag provided but not defined: --no-such-flag (run 'emu help run' for its flags)"},
		{[]string{"run", "-no-such-flag"}, "flag provided but not defined: --no-such-flag"},
		{[]string{"run", "half-close", "--runs", "many"}, `emu run: --runs: "many" is not a whole number`},
		{[]string{"run", "half-close", "--seed", "-1"}, `emu run: --seed: "-1" is not a whole number, 0 or more`},
		{[]string{"run", "half-close", "--quiet=maybe"}, `emu run: --quiet: "maybe" is not true or false`},
		{[]string{"trace", "half-close", "--point"}, "emu trace: flag needs an argument: --point"},
		{[]string{"plot", "--x"}, "emu plot: flag needs an argument: --x"},
		{[]string{"merge", "--out"}, "emu merge: flag needs an argument: --out"},
	}
	singleDash := regexp.MustCompile(`(^|[ "])-[a-z]`)
	for _, c := range cases {
		_, errs, code := emu(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("emu %s: exit %d, %q; want exit 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
		if m := singleDash.FindString(strings.ReplaceAll(errs, `"-1"`, "")); m != "" {
			t.Errorf("emu %s: %q names a flag with one dash", strings.Join(c.args, " "), errs)
		}
	}
}

// TestSetDidYouMean: a misspelt --set key gets the closest key, var or
// path, and a key far from any gets none.
func TestSetDidYouMean(t *testing.T) {
	cases := []struct{ set, want string }{
		{"close_dealy=3ms", `unknown key "close_dealy" (did you mean "close_delay"?)`},
		{"server.tcp.delack_mn=3ms", `(did you mean "server.tcp.delack_min"?)`},
		{"link.los=0.1", `(did you mean "link.loss"?)`},
		{"lnk.delay=1ms", `(did you mean "link.delay"?)`},
	}
	for _, c := range cases {
		_, errs, code := emu(t, "", "run", "delayed-ack-boundary", "--set", c.set)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("--set %s: exit %d, %q; want %q", c.set, code, errs, c.want)
		}
	}
	_, errs, _ := emu(t, "", "run", "delayed-ack-boundary", "--set", "zzzzzzzz=1")
	if strings.Contains(errs, "did you mean") {
		t.Errorf("--set zzzzzzzz: %q suggests a key", errs)
	}
}

// TestColourOnlyOnTerminal: the ladder has ANSI colours only when stdout
// is a terminal (NO_COLOR unset), whatever stderr is.
func TestColourOnlyOnTerminal(t *testing.T) {
	for _, c := range []struct {
		stderrTerminal, colour, want bool
	}{{true, false, false}, {false, false, false}, {true, true, true}} {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), isTerminal: c.stderrTerminal, colour: c.colour}
		if code := Main(e, []string{"trace", "half-close"}); code != 0 {
			t.Fatalf("trace: exit %d: %s", code, errb.String())
		}
		if got := strings.Contains(out.String(), "\x1b["); got != c.want {
			t.Errorf("stderr terminal %v, colour %v: ANSI escapes %v, want %v", c.stderrTerminal, c.colour, got, c.want)
		}
	}
}

// TestWordingCounts: counts read "1 point", "1 run", "1 retransmission",
// and plurals otherwise.
func TestWordingCounts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lost := func(retries string) string {
		return write("lost"+retries+".yaml", "name: lost\nlink: {delay: 1ms, loss: 1}\nclient:\n  tcp: {syn_retries: "+retries+"}\n  do: [connect, close]\nserver:\n  do: [accept, close]\n")
	}
	bad := write("bad.yaml", "name: Bad\nclient: {do: [connect, close]}\nserver: {do: [accept, close]}\n")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "half-close", "--runs", "1", "--out", filepath.Join(dir, "a")}, 0, "\n1 run of 1 point in "},
		{[]string{"run", "half-close", "--runs", "2", "--out", filepath.Join(dir, "b")}, 0, "\n2 runs of 1 point in "},
		{[]string{"run", "simultaneous-close", "--runs", "1", "--out", filepath.Join(dir, "c")}, 0, "\n6 runs of 6 points in "},
		{[]string{"trace", "half-close", "--point", "1"}, 2, "(the sweep has only point 0)"},
		{[]string{"trace", "simultaneous-close", "--point", "6"}, 2, "(the sweep has points 0 to 5)"},
		{[]string{"trace", "half-close", "--run", "5", "--set", "runs=1"}, 2, "(each point has only run 0)"},
		{[]string{"trace", lost("1")}, 0, "; 1 retransmission)"},
		{[]string{"trace", lost("2")}, 0, "; 2 retransmissions)"},
		{[]string{"validate", bad}, 2, "emu validate: 1 of 1 file has errors"},
		{[]string{"validate", bad, "half-close", bad}, 2, "emu validate: 2 of 3 files have errors"},
		{[]string{"validate", bad, "half-close"}, 2, "emu validate: 1 of 2 files has errors"},
		{[]string{"run", "half-close", "--runs", "2", "--max-runs", "1"}, 2, "half-close has 2 runs, more than --max-runs 1"},
	}
	for _, c := range cases {
		out, errs, code := emu(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("emu %s: exit %d, want %d and %q in:\n%s%s", strings.Join(c.args, " "), code, c.code, c.want, out, errs)
		}
	}
	var shards []string
	for i := range 2 {
		shard := filepath.Join(dir, "s"+strconv.Itoa(i))
		if out, errs, code := emu(t, "", "run", "half-close", "--runs", "1", "--shard", strconv.Itoa(i)+"/2", "--quiet", "--out", shard); code != 0 {
			t.Fatalf("shard: %s%s", out, errs)
		}
		shards = append(shards, shard)
	}
	if out, errs, code := emu(t, "", append([]string{"merge", "--out", filepath.Join(dir, "m")}, shards...)...); code != 0 || !strings.Contains(out, "merged 1 run from 2 shards into ") {
		t.Errorf("merge: exit %d: %s%s", code, out, errs)
	}
}
