package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestReleaseConfig reads .goreleaser.yaml: static builds of cmd/emu for
// linux, darwin and windows on amd64 and arm64 that set main.version,
// archives carrying the manual page, and images for both Linux
// architectures from a Dockerfile that exists and starts from the same
// base as the source-built image. With goreleaser installed, its own check
// runs too.
func TestReleaseConfig(t *testing.T) {
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Env     []string `yaml:"env"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Archives []struct {
			Files []string `yaml:"files"`
		} `yaml:"archives"`
		Dockers []struct {
			Goos       string   `yaml:"goos"`
			Goarch     string   `yaml:"goarch"`
			Dockerfile string   `yaml:"dockerfile"`
			Images     []string `yaml:"image_templates"`
		} `yaml:"dockers"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 {
		t.Fatalf("version %d, %d builds", cfg.Version, len(cfg.Builds))
	}
	bd := cfg.Builds[0]
	if bd.Main != "./cmd/emu" || !slices.Contains(bd.Env, "CGO_ENABLED=0") || len(bd.Ldflags) != 1 || !strings.Contains(bd.Ldflags[0], "-X main.version={{ .Version }}") {
		t.Errorf("build %+v: want ./cmd/emu, CGO_ENABLED=0 and main.version", bd)
	}
	slices.Sort(bd.Goos)
	slices.Sort(bd.Goarch)
	if strings.Join(bd.Goos, ",") != "darwin,linux,windows" || strings.Join(bd.Goarch, ",") != "amd64,arm64" {
		t.Errorf("targets %v × %v", bd.Goos, bd.Goarch)
	}
	if len(cfg.Archives) == 0 || !slices.Contains(cfg.Archives[0].Files, "docs/emu.1") {
		t.Errorf("archives %+v: no manual page", cfg.Archives)
	}
	var arches []string
	for _, d := range cfg.Dockers {
		arches = append(arches, d.Goarch)
		df, err := os.ReadFile(filepath.Join(root, d.Dockerfile))
		if err != nil {
			t.Errorf("docker image %v: %v", d.Images, err)
			continue
		}
		src, _ := os.ReadFile(filepath.Join(root, "Dockerfile"))
		base := func(s string) string {
			var last string
			for _, l := range strings.Split(s, "\n") {
				if strings.HasPrefix(l, "FROM ") {
					last = strings.Fields(l)[1]
				}
			}
			return last
		}
		if base(string(df)) == "" || base(string(df)) != base(string(src)) {
			t.Errorf("%s starts from %q, Dockerfile from %q", d.Dockerfile, base(string(df)), base(string(src)))
		}
		if !strings.Contains(string(df), "COPY emu /usr/local/bin/emu") {
			t.Errorf("%s does not copy the built binary", d.Dockerfile)
		}
	}
	slices.Sort(arches)
	if strings.Join(arches, ",") != "amd64,arm64" {
		t.Errorf("images for %v", arches)
	}
	if _, err := exec.LookPath("goreleaser"); err != nil {
		t.Skip("needs goreleaser for 'goreleaser check'")
	}
	cmd := exec.Command("goreleaser", "check")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("goreleaser check: %v\n%s", err, out)
	}
}

// TestStaticBuild builds emu as the release does (no cgo, trimmed paths,
// the version set by the linker) for this machine's architecture on Linux,
// and checks that the binary is static and reports the version. The other
// five targets differ only in GOOS and GOARCH; cross-building them all
// takes minutes on a small machine, so the release itself builds them.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux to run the Linux binary")
	}
	out := filepath.Join(t.TempDir(), "emu")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=v9.8.7", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || !strings.HasPrefix(string(v), "emu v9.8.7\n") {
		t.Errorf("emu version: %v %q", err, v)
	}
	if _, err := exec.LookPath("file"); err != nil {
		t.Skip("needs file(1) to check that the binary is static")
	}
	b, err := exec.Command("file", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "statically linked") {
		t.Errorf("not a static binary: %s", b)
	}
}
