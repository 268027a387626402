package scenarios

import (
	"regexp"
	"strconv"
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
		if reservedColumn(k.Value) {
			e.at(k.Line, k.Column, "var %q is named like a column of runs.csv or summary.csv (a swept var becomes a column); rename it", k.Value)
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

// maxVarLen bounds the expanded value of one var (and of one scalar): a
// var that uses another twice doubles at each level, so thirteen levels of
// a one-kilobyte file would otherwise take gigabytes. No setting needs a
// value anywhere near this long.
const maxVarLen = 64 << 10

// maxExpandWork bounds the bytes one expansion pass (one sweep point)
// produces over all scalars: a long value used in thousands of places is as
// costly as a long value.
const maxExpandWork = 8 << 20

// maxVarDepth bounds how deep vars may refer to vars (a chain of a million
// vars would otherwise recurse a million frames deep).
const maxVarDepth = 1000

// expander expands ${var} references for one sweep point. Each var is
// expanded once (memo): a var used many times, or by many other vars,
// costs its length, not the number of paths that reach it.
type expander struct {
	e       *errs
	vars    []variable
	index   map[string]int // var name -> position in vars
	memo    map[string]expansion
	working map[string]bool // vars being expanded, to find cycles
	work    int             // bytes produced so far
	spent   bool            // maxExpandWork was reached (reported once)
}

type expansion struct {
	value string
	ok    bool
}

func newExpander(e *errs, vars []variable) *expander {
	x := &expander{e: e, vars: vars, index: make(map[string]int, len(vars)),
		memo: map[string]expansion{}, working: map[string]bool{}}
	for i, v := range vars {
		if _, dup := x.index[v.name]; !dup {
			x.index[v.name] = i
		}
	}
	return x
}

// varValue resolves a var, following ${...} in its own value, and reports
// cycles, values that grow past maxVarLen and nesting past maxVarDepth.
func (x *expander) varValue(name string, at *yaml.Node, stack []string) (string, bool) {
	if m, ok := x.memo[name]; ok {
		return m.value, m.ok
	}
	if x.working[name] {
		x.e.at(at.Line, at.Column, "vars refer to each other in a cycle: %s", quoteNames(append(stack, name)))
		return "", false
	}
	i, ok := x.index[name]
	if !ok {
		x.unknown(name, at)
		return "", false
	}
	v := x.vars[i]
	if len(stack) >= maxVarDepth {
		x.e.at(v.value.Line, v.value.Column, "var %s: vars refer to vars more than %d levels deep", quoteName(name), maxVarDepth)
		x.memo[name] = expansion{}
		return "", false
	}
	x.working[name] = true
	out, good := x.expand(v.value, v.value.Value, append(stack, name))
	delete(x.working, name)
	if good && len(out) > maxVarLen {
		x.e.at(v.value.Line, v.value.Column, "var %s expands to more than %d characters", quoteName(name), maxVarLen)
		out, good = "", false
	}
	x.memo[name] = expansion{out, good}
	return out, good
}

func (x *expander) unknown(name string, at *yaml.Node) {
	names := make([]string, len(x.vars))
	for i, v := range x.vars {
		names[i] = v.name
	}
	msg := "unknown var " + quoteRef(name)
	if s := suggest(name, names); s != "" {
		msg += " (did you mean ${" + s + "}?)"
	}
	if len(names) == 0 {
		msg += "; define it under vars:"
	} else {
		msg += "; vars: " + strings.Join(names, ", ")
	}
	x.e.at(at.Line, at.Column, "%s", msg)
}

// expand replaces every ${name} in s. It stops, with an error at the
// value, when the result would pass maxVarLen or the pass's work passes
// maxExpandWork.
func (x *expander) expand(at *yaml.Node, s string, stack []string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	if x.spent {
		return "", false
	}
	ok := true
	var b strings.Builder
	last := 0
	for _, m := range varRef.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		last = m[1]
		v, good := x.varValue(s[m[2]:m[3]], at, stack)
		if !good {
			ok = false
			continue
		}
		if b.Len()+len(v) > maxVarLen {
			if len(stack) == 0 {
				x.e.at(at.Line, at.Column, "this value expands to more than %d characters", maxVarLen)
				return "", false
			}
			// One byte past the limit: varValue reports the var.
			b.WriteString(v[:maxVarLen+1-b.Len()])
			return b.String(), ok
		}
		b.WriteString(v)
		if x.work += len(v); x.work > maxExpandWork {
			x.spent = true
			x.e.at(at.Line, at.Column, "expanding ${...} produces more than %d characters in all: use long values in fewer places", maxExpandWork)
			return "", false
		}
	}
	b.WriteString(s[last:])
	return b.String(), ok
}

// quoteName quotes a var name for a message; a name from a ${...} may hold
// any bytes, which are escaped.
func quoteName(name string) string { return strconv.Quote(name) }

// quoteRef writes ${name} for a message, escaping what a terminal would
// interpret.
func quoteRef(name string) string {
	q := strconv.Quote(name)
	if q[1:len(q)-1] == name {
		return "${" + name + "}"
	}
	return "${" + q + "}"
}

// quoteNames joins a cycle of var names with arrows.
func quoteNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if q := strconv.Quote(n); q[1:len(q)-1] != n {
			out[i] = q
		}
	}
	return strings.Join(out, " -> ")
}

// substitute expands ${var} in every scalar of the tree except under vars:
// and sweep:, which hold the definitions themselves. It skips the subtrees
// in clean, which hold no ${...} and may be shared with other points.
func substitute(e *errs, root *yaml.Node, vars []variable, clean map[*yaml.Node]bool) int {
	x := newExpander(e, vars)
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if clean[n] {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			v, ok := x.expand(n, n.Value, nil)
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
					if def := x.finalDef(m[1]); def != nil {
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
	return x.work
}

// finalDef follows a var defined as exactly another ${var} to the node where
// its value is written.
func (x *expander) finalDef(name string) *yaml.Node {
	var def *yaml.Node
	for depth := 0; depth <= maxVarDepth; depth++ {
		i, ok := x.index[name]
		if !ok {
			return def
		}
		def = x.vars[i].value
		m := varRef.FindStringSubmatch(def.Value)
		if m == nil || m[0] != def.Value {
			return def
		}
		name = m[1]
	}
	return def
}

// badTag marks a scalar whose ${var} could not be expanded.
const badTag = "!!emu-bad-var"
