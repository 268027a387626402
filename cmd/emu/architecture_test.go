package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestArchitecture checks the import graph against the table of allowed
// imports in docs/architecture.md: every package of the module is in the
// table, and none imports another the table does not allow.
func TestArchitecture(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]map[string]bool{}
	text := string(doc)
	i := strings.Index(text, "<!-- imports: allowed -->")
	if i < 0 {
		t.Fatal("docs/architecture.md has no <!-- imports: allowed --> table")
	}
	for _, line := range strings.Split(text[i:], "\n")[3:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(line, "|")
		pkg := strings.Trim(strings.TrimSpace(cells[1]), "`")
		allowed[pkg] = map[string]bool{}
		for _, d := range strings.Split(cells[2], ",") {
			if d = strings.Trim(strings.TrimSpace(d), "`"); d != "" {
				allowed[pkg][d] = true
			}
		}
	}
	const module = "github.com/emu-sim/emu/"
	imports := map[string]map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (strings.HasPrefix(name, ".") || name == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, im := range f.Imports {
			if p := strings.Trim(im.Path.Value, `"`); strings.HasPrefix(p, module) {
				imports[pkg][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		a, ok := allowed[p]
		if !ok {
			t.Errorf("package %s is not in docs/architecture.md's table", p)
			continue
		}
		if a["any"] {
			continue
		}
		for d := range imports[p] {
			if !a[d] {
				t.Errorf("%s imports %s, which docs/architecture.md does not allow", p, d)
			}
		}
	}
	for p := range allowed {
		if imports[p] == nil {
			t.Errorf("docs/architecture.md lists %s, which is not a package with code", p)
		}
	}
}
