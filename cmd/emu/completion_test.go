package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// helpFlags reads the flags of every command from 'emu help CMD', the text
// users read, independently of how the scripts are made.
func helpFlags(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	list, _, _ := emu(t, "", "help")
	cmdLine := regexp.MustCompile(`^  ([a-z-]+) +\S`)
	flagLine := regexp.MustCompile(`^  --([a-z0-9_-]+)`)
	inCommands := false
	for _, l := range strings.Split(list, "\n") {
		if l == "Commands:" {
			inCommands = true
			continue
		}
		if inCommands && l == "" {
			break
		}
		if m := cmdLine.FindStringSubmatch(l); inCommands && m != nil {
			out[m[1]] = []string{}
		}
	}
	for c := range out {
		help, _, _ := emu(t, "", "help", c)
		_, flags, _ := strings.Cut(help, "\nFlags:\n")
		for _, l := range strings.Split(flags, "\n") {
			if m := flagLine.FindStringSubmatch(l); m != nil {
				out[c] = append(out[c], m[1])
			}
		}
	}
	if len(out) < 12 || len(out["run"]) < 10 {
		t.Fatalf("read too little from emu help: %v", out)
	}
	return out
}

// TestCompletionScripts: every command and every flag 'emu help' lists is
// in each shell's script, and the shells accept the scripts' syntax.
func TestCompletionScripts(t *testing.T) {
	want := helpFlags(t)
	dir := t.TempDir()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			script, errs, code := emu(t, "", "completion", shell)
			if code != 0 {
				t.Fatalf("completion %s: exit %d: %s", shell, code, errs)
			}
			for c, flags := range want {
				if !regexp.MustCompile(`\b` + c + `\b`).MatchString(script) {
					t.Errorf("no command %s", c)
				}
				for _, f := range flags {
					name := "--" + f
					if shell == "fish" {
						name = "-l " + f + " "
					}
					if !strings.Contains(script, name) {
						t.Errorf("%s has no %s", c, name)
					}
				}
			}
			file := filepath.Join(dir, "emu."+shell)
			os.WriteFile(file, []byte(script), 0o644)
			check := map[string][]string{"bash": {"bash", "-n", file}, "zsh": {"zsh", "-n", file}, "fish": {"fish", "--no-execute", file}}[shell]
			if _, err := exec.LookPath(check[0]); err != nil {
				t.Skipf("needs %s to check its script's syntax", shell)
			}
			if out, err := exec.Command(check[0], check[1:]...).CombinedOutput(); err != nil {
				t.Errorf("%s rejects its script: %v\n%s", shell, err, out)
			}
		})
	}
	if _, errs, code := emu(t, "", "completion", "powershell"); code != 2 || !strings.Contains(errs, "write bash, zsh or fish") {
		t.Errorf("completion powershell: exit %d: %s", code, errs)
	}
}

// TestBashCompletes runs the bash script's function on command lines and
// checks what it offers.
func TestBashCompletes(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	script, _, _ := emu(t, "", "completion", "bash")
	file := filepath.Join(t.TempDir(), "emu.bash")
	os.WriteFile(file, []byte(script), 0o644)
	for _, c := range []struct {
		words string // the command line, the last word being completed
		want  []string
	}{
		{"emu tr", []string{"trace"}},
		{"emu com", []string{"compare", "completion"}},
		{"emu c", []string{"classify", "compare", "completion"}},
		{"emu run --fo", []string{"--force", "--format"}},
		{"emu trace x --first f", []string{"four-way", "fin-rst", "failed"}},
		{"emu run x --format ", []string{"table", "csv", "json", "markdown"}},
		{"emu trace x --pcap-at s", []string{"server"}},
		{"emu run half-", []string{"half-close"}},
		{"emu completion z", []string{"zsh"}},
		{"emu help pl", []string{"plot"}},
	} {
		words := strings.Split(c.words, " ")
		var arr []string
		for _, w := range words {
			arr = append(arr, "'"+w+"'")
		}
		prog := "source " + file + "\nCOMP_WORDS=(" + strings.Join(arr, " ") + ")\nCOMP_CWORD=" + itoa(len(words)-1) +
			"\n_emu\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command("bash", "-c", prog)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.words, err, out)
		}
		got := strings.Fields(string(bytes.TrimSpace(out)))
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q completes to %q, want %q", c.words, got, c.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestManPage: docs/emu.1 is 'emu man' (rewrite with -update), it names
// every command and flag 'emu help' lists, and groff reads it without a
// warning.
func TestManPage(t *testing.T) {
	page, errs, code := emu(t, "", "man")
	if code != 0 {
		t.Fatalf("man: exit %d: %s", code, errs)
	}
	path := filepath.Join("..", "..", "docs", "emu.1")
	if *update {
		os.WriteFile(path, []byte(page), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/emu -run TestManPage -update)", err)
	}
	if string(want) != page {
		t.Errorf("docs/emu.1 is not what 'emu man' prints: run go test ./cmd/emu -run TestManPage -update")
	}
	for c, flags := range helpFlags(t) {
		if !strings.Contains(page, ".SS "+strings.ReplaceAll(c, "-", `\-`)+"\n") {
			t.Errorf("no section for %s", c)
		}
		for _, f := range flags {
			if !strings.Contains(page, `.B \-\-`+strings.ReplaceAll(f, "-", `\-`)) {
				t.Errorf("%s: no --%s", c, f)
			}
		}
	}
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("needs groff to check the page's roff")
	}
	cmd := exec.Command("groff", "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff warns: %v\n%s", err, out)
	}
}
