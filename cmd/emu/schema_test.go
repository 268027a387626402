package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/scenarios"
)

// validator checks a value against the subset of JSON Schema draft-07 that
// scenarioSchema emits. A keyword it does not know is an error, so that the
// schema cannot grow a rule this test silently skips.
type validator struct {
	root map[string]any
}

var ignoredKeywords = map[string]bool{"$schema": true, "title": true, "description": true, "definitions": true}

func (v *validator) check(s map[string]any, x any, at string) []string {
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, a...)) }
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rule := s[k]
		switch k {
		case "$ref":
			name := strings.TrimPrefix(rule.(string), "#/definitions/")
			def, ok := v.root["definitions"].(map[string]any)[name].(map[string]any)
			if !ok {
				fail("no definition %q", name)
				continue
			}
			errs = append(errs, v.check(def, x, at)...)
		case "allOf":
			for _, sub := range rule.([]any) {
				errs = append(errs, v.check(sub.(map[string]any), x, at)...)
			}
		case "anyOf":
			ok := false
			for _, sub := range rule.([]any) {
				if len(v.check(sub.(map[string]any), x, at)) == 0 {
					ok = true
					break
				}
			}
			if !ok {
				fail("%s matches none of the allowed forms", show(x))
			}
		case "enum":
			found := false
			for _, e := range rule.([]any) {
				found = found || e == x
			}
			if !found {
				fail("%s is not one of %v", show(x), rule)
			}
		case "type":
			types, ok := rule.([]any)
			if !ok {
				types = []any{rule}
			}
			match := false
			for _, ty := range types {
				match = match || hasType(x, ty.(string))
			}
			if !match {
				fail("%s is not of type %v", show(x), rule)
			}
		case "pattern":
			if str, ok := x.(string); ok && !regexp.MustCompile(rule.(string)).MatchString(str) {
				fail("%q does not match %s", str, rule)
			}
		case "minimum", "maximum", "exclusiveMinimum":
			n, ok := x.(float64)
			bound := rule.(float64)
			if ok && ((k == "minimum" && n < bound) || (k == "maximum" && n > bound) || (k == "exclusiveMinimum" && n <= bound)) {
				fail("%v is beyond the %s %v", n, k, bound)
			}
		case "minItems":
			if a, ok := x.([]any); ok && float64(len(a)) < rule.(float64) {
				fail("fewer than %v items", rule)
			}
		case "items":
			if a, ok := x.([]any); ok {
				for i, item := range a {
					errs = append(errs, v.check(rule.(map[string]any), item, fmt.Sprintf("%s[%d]", at, i))...)
				}
			}
		case "required":
			if m, ok := x.(map[string]any); ok {
				for _, r := range rule.([]any) {
					if _, has := m[r.(string)]; !has {
						fail("missing %q", r)
					}
				}
			}
		case "properties", "additionalProperties", "propertyNames":
			m, ok := x.(map[string]any)
			if !ok {
				continue
			}
			props, _ := s["properties"].(map[string]any)
			for _, name := range sortedKeys(m) {
				if k == "propertyNames" {
					errs = append(errs, v.check(rule.(map[string]any), name, at+"."+name+" (name)")...)
					continue
				}
				p, known := props[name]
				switch {
				case k == "properties" && known:
					errs = append(errs, v.check(p.(map[string]any), m[name], at+"."+name)...)
				case k == "additionalProperties" && !known:
					if b, isBool := rule.(bool); isBool {
						if !b {
							fail("unknown key %q", name)
						}
						continue
					}
					errs = append(errs, v.check(rule.(map[string]any), m[name], at+"."+name)...)
				}
			}
		default:
			if !ignoredKeywords[k] {
				fail("the test's validator does not know the keyword %q", k)
			}
		}
	}
	return errs
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func show(x any) string { b, _ := json.Marshal(x); return string(b) }

func hasType(x any, ty string) bool {
	switch ty {
	case "object":
		_, ok := x.(map[string]any)
		return ok
	case "array":
		_, ok := x.([]any)
		return ok
	case "string":
		_, ok := x.(string)
		return ok
	case "boolean":
		_, ok := x.(bool)
		return ok
	case "null":
		return x == nil
	case "number":
		_, ok := x.(float64)
		return ok
	case "integer":
		n, ok := x.(float64)
		return ok && n == math.Trunc(n)
	}
	return false
}

// printedSchema runs `emu schema` and decodes what it printed.
func printedSchema(t *testing.T) map[string]any {
	t.Helper()
	out, errs, code := emu(t, "", "schema")
	if code != 0 {
		t.Fatalf("emu schema: exit %d: %s", code, errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("emu schema printed no JSON: %v", err)
	}
	return s
}

// yamlValue decodes a scenario as the YAML language server sees it, in JSON
// terms.
func yamlValue(t *testing.T, text string) any {
	t.Helper()
	var x any
	if err := yaml.Unmarshal([]byte(text), &x); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaCoversTables: every key, action and setting of the loader's
// tables has a schema (a key added to the loader must be added here).
func TestSchemaCoversTables(t *testing.T) {
	if _, missing := scenarioSchema(); len(missing) > 0 {
		t.Errorf("no schema for %v: add them to cmd/emu/schema.go", missing)
	}
}

// TestSchemaAcceptsExamples: every built-in example, and every full
// scenario in docs/scenarios.md, validates against the printed schema.
func TestSchemaAcceptsExamples(t *testing.T) {
	v := &validator{root: printedSchema(t)}
	files := map[string]string{}
	for _, name := range scenarios.BuiltinNames() {
		b, _ := scenarios.Builtin(name)
		files[name] = string(b)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "scenarios.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, block := range strings.Split(string(doc), "```yaml\n")[1:] {
		block = block[:strings.Index(block, "```")]
		if strings.Contains(block, "\nname:") || strings.HasPrefix(block, "name:") {
			files[fmt.Sprintf("docs/scenarios.md block %d", i)] = block
		}
	}
	if len(files) < len(scenarios.BuiltinNames())+1 {
		t.Fatalf("only %d files to check", len(files))
	}
	for name, text := range files {
		if _, err := scenarios.Load(name, []byte(text)); err != nil {
			t.Errorf("%s does not load: %v", name, err)
		}
		if errs := v.check(v.root, yamlValue(t, text), name); len(errs) > 0 {
			t.Errorf("%s fails the schema:\n  %s", name, strings.Join(errs, "\n  "))
		}
	}
}

// TestSchemaRefusesBadFiles: files that emu validate refuses for their form
// fail the schema too, each for the reason given.
func TestSchemaRefusesBadFiles(t *testing.T) {
	v := &validator{root: printedSchema(t)}
	const sides = "client: {do: [connect, close]}\nserver: {do: [accept, close]}\n"
	cases := []struct{ file, want string }{
		{"name: ok\n" + sides, ""},
		{"name: ok\nclinet: {do: [connect]}\n" + sides, `unknown key "clinet"`},
		{"name: My_Server\n" + sides, "does not match"},
		{"name: x\nruns: many\n" + sides, "none of the allowed forms"},
		{"name: x\nruns: 0\n" + sides, "none of the allowed forms"},
		{"name: x\nlink: {loss: 2}\n" + sides, "none of the allowed forms"},
		{"name: x\nlink: {delay: 10 ms}\n" + sides, "none of the allowed forms"},
		{"name: x\nlink: {delay: 10}\n" + sides, "none of the allowed forms"},
		{"name: x\nlink: {jitter: {dist: gaussian}}\n" + sides, "none of the allowed forms"},
		{"name: x\nlink: {forward: {forward: {delay: 1ms}}}\n" + sides, `unknown key "forward"`},
		{"name: x\nclient: {do: [connect, {sned: 1B}, close]}\nserver: {do: [accept, close]}\n", "none of the allowed forms"},
		{"name: x\nclient: {do: [connect, {shutdown: sideways}]}\nserver: {do: [accept, close]}\n", "none of the allowed forms"},
		{"name: x\nclient: {do: []}\nserver: {do: [accept, close]}\n", "fewer than 1 items"},
		{"name: x\nclient: {tcp: {delack_min: fast}, do: [connect, close]}\nserver: {do: [accept, close]}\n", "none of the allowed forms"},
		{"name: x\nclient: {tcp: {delack_mod: fixed}, do: [connect, close]}\nserver: {do: [accept, close]}\n", `unknown key "delack_mod"`},
		{"name: x\nclient: {do: [connect, close]}\n", `missing "server"`},
		{"name: x\n" + sides + "sweep: {runs: {from: 1, to: 5}}\n", "none of the allowed forms"},
		{"name: x\n" + sides + "sweep: {runs: {from: 1, to: 5, stp: 1}}\n", "none of the allowed forms"},
		{"name: x\nvars: {2fast: 1ms}\n" + sides, "does not match"},
		{"name: x\nlink: {delay: \"${d}\"}\nvars: {d: 1ms}\n" + sides, ""},
	}
	for _, c := range cases {
		errs := v.check(v.root, yamlValue(t, c.file), "file")
		got := strings.Join(errs, "; ")
		if (c.want == "") != (len(errs) == 0) || !strings.Contains(got, c.want) {
			t.Errorf("%q: schema says %q, want an error containing %q", c.file, got, c.want)
		}
	}
}
