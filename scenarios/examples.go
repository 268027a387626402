package scenarios

import (
	"embed"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed examples/*.yaml
var examples embed.FS

// BuiltinNames returns the names of the built-in examples, sorted.
func BuiltinNames() []string {
	entries, _ := examples.ReadDir("examples")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Builtin returns the YAML of a built-in example.
func Builtin(name string) ([]byte, bool) {
	if strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	b, err := examples.ReadFile("examples/" + name + ".yaml")
	return b, err == nil
}

// BuiltinSummary returns the first sentence of an example's description.
func BuiltinSummary(name string) string {
	b, ok := Builtin(name)
	if !ok {
		return ""
	}
	var doc struct {
		Description string `yaml:"description"`
	}
	if yaml.Unmarshal(b, &doc) != nil {
		return ""
	}
	s := doc.Description
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}
