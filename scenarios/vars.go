package scenarios

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// variable is an entry of vars:.
type variable struct {
	name  string
	value *yaml.Node
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var varRef = regexp.MustCompile(`\$\{([^}]*)\}`)

func parseVars(e *errs, n *yaml.Node) []variable {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		e.at(n.Line, n.Column, "vars must be a mapping of names to values, e.g. vars: {close_delay: 10ms}")
		return nil
	}
	var vars []variable
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !varName.MatchString(k.Value) {
			e.at(k.Line, k.Column, "var name %q: use letters, digits and _ (starting with a letter)", k.Value)
			continue
		}
		if seen[k.Value] {
			e.at(k.Line, k.Column, "var %q is defined twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			e.at(v.Line, v.Column, "var %q must be a single value", k.Value)
			continue
		}
		vars = append(vars, variable{name: k.Value, value: v})
	}
	return vars
}

// varValue resolves a var, following ${...} in its own value, and reports
// cycles.
func varValue(e *errs, vars []variable, name string, at *yaml.Node, stack []string) (string, bool) {
	for _, s := range stack {
		if s == name {
			e.at(at.Line, at.Column, "vars refer to each other in a cycle: %s", strings.Join(append(stack, name), " -> "))
			return "", false
		}
	}
	for _, v := range vars {
		if v.name == name {
			return expand(e, vars, v.value, v.value.Value, append(stack, name))
		}
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.name
	}
	msg := "unknown var ${" + name + "}"
	if s := suggest(name, names); s != "" {
		msg += " (did you mean ${" + s + "}?)"
	}
	if len(names) == 0 {
		msg += "; define it under vars:"
	} else {
		msg += "; vars: " + strings.Join(names, ", ")
	}
	e.at(at.Line, at.Column, "%s", msg)
	return "", false
}

// expand replaces every ${name} in s.
func expand(e *errs, vars []variable, at *yaml.Node, s string, stack []string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	ok := true
	out := varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, good := varValue(e, vars, name, at, stack)
		if !good {
			ok = false
		}
		return v
	})
	return out, ok
}

// substitute expands ${var} in every scalar of the tree except under vars:
// and sweep:, which hold the definitions themselves. It skips the subtrees
// in clean, which hold no ${...} and may be shared with other points.
func substitute(e *errs, root *yaml.Node, vars []variable, clean map[*yaml.Node]bool) {
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if clean[n] {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			v, ok := expand(e, vars, n, n.Value, nil)
			if !ok {
				// Reported already; keep the decoder from reporting the
				// unexpanded text as a bad value too.
				n.Tag = badTag
				return
			}
			if v != n.Value {
				// A value that is exactly one ${var} takes the position where
				// the var's value was written (its definition, or the sweep
				// entry), so that a bad value is reported where it can be fixed.
				if m := varRef.FindStringSubmatch(n.Value); m != nil && m[0] == n.Value {
					if def := finalDef(vars, m[1], 0); def != nil {
						n.Line, n.Column = def.Line, def.Column
					}
				}
				n.Value = v
				n.Tag = "!!str"
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1])
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k == "vars" || k == "sweep" {
			continue
		}
		walk(root.Content[i+1])
	}
}

// finalDef follows a var defined as exactly another ${var} to the node where
// its value is written.
func finalDef(vars []variable, name string, depth int) *yaml.Node {
	if depth > len(vars) {
		return nil
	}
	for _, v := range vars {
		if v.name == name {
			if m := varRef.FindStringSubmatch(v.value.Value); m != nil && m[0] == v.value.Value {
				if d := finalDef(vars, m[1], depth+1); d != nil {
					return d
				}
			}
			return v.value
		}
	}
	return nil
}

// badTag marks a scalar whose ${var} could not be expanded.
const badTag = "!!emu-bad-var"
