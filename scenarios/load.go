package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/emu-sim/emu/internal/input"
)

// Scenario is a loaded, checked scenario file.
type Scenario struct {
	file  string
	root  *yaml.Node          // the top-level mapping, aliases expanded
	clean map[*yaml.Node]bool // nodes of root whose subtree holds no ${...}
	vars  []variable
	sweep []dimension
	// expandCost is the base point's ${var} expansion work, in nodes (see
	// expandBytesPerNode), counted in the cost of resolving a point.
	expandCost int
	notes      ErrorList
}

// Notes returns remarks about a valid file that are worth a user's look
// (what a fork shares, say), each as "file:line:col: note: message", in
// file order.
func (s *Scenario) Notes() []string {
	out := make([]string, len(s.notes))
	for i, n := range s.notes {
		out[i] = fmt.Sprintf("%s:%d:%d: note: %s", n.File, n.Line, n.Col, n.Msg)
	}
	return out
}

// expandBytesPerNode converts bytes of expanded ${var} text into the node
// counts of maxSweepWork: every point keeps its expanded values, and a node
// of the tree costs about this much memory.
const expandBytesPerNode = 16

func idx0(idx []int) bool {
	for _, i := range idx {
		if i != 0 {
			return false
		}
	}
	return true
}

// MaxRuns bounds runs: (and --runs): replications of one point.
const MaxRuns = 100_000_000

// MaxPoints bounds a sweep: more points than this is almost always a typo
// in a range's step.
const MaxPoints = 100_000

// Load parses and checks a scenario. filename is used in error positions.
// The error, if any, is an ErrorList with every problem found.
func Load(filename string, data []byte) (*Scenario, error) {
	e := &errs{file: filename}
	if len(data) > input.MaxScenarioBytes {
		e.at(1, 1, "the file is larger than %d MiB: not a scenario", input.MaxScenarioBytes>>20)
		return nil, e.err()
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			e.at(1, 1, "the file is empty: a scenario needs at least name:, client: and server:")
			return nil, e.err()
		}
		line, col, msg := yamlErrorPos(data, err)
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) && strings.Contains(lines[line-1], "\t") {
			msg += " (this line has a tab: YAML indents with spaces only)"
		}
		e.at(line, col, "%s", msg)
		return nil, e.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		e.at(extra.Line, extra.Column, "the file holds more than one YAML document; a scenario is one document")
	} else if !errors.Is(err, io.EOF) {
		// A syntax error after the first document is still an error.
		line, col, msg := yamlErrorPos(data, err)
		e.at(line, col, "%s", msg)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		e.at(max(doc.Line, 1), max(doc.Column, 1), "the file is empty: a scenario needs at least name:, client: and server:")
		return nil, e.err()
	}
	cl := &cloner{}
	root := cl.clone(doc.Content[0], 0)
	if cl.exceeded {
		e.at(root.Line, root.Column, "the file is too deeply nested or expands to too many nodes (at most %d nodes, %d levels)", maxNodes, maxDepth)
		return nil, e.err()
	}
	if root.Kind != yaml.MappingNode {
		e.at(root.Line, root.Column, "a scenario must be a mapping with name:, link:, client:, server: ...")
		return nil, e.err()
	}
	checkTags(e, doc.Content[0], 0)
	s := &Scenario{file: filename, root: root}
	s.markClean()
	s.vars = parseVars(e, lookup(root, "vars"))
	s.sweep = parseSweep(e, lookup(root, "sweep"), s.vars)
	// The points are checked even when vars or sweep had errors (the bad
	// entries are left out), so that one pass reports every problem.
	s.check(e)
	if err := e.err(); err != nil {
		return nil, err
	}
	sort.SliceStable(e.notes, func(i, j int) bool {
		a, b := e.notes[i], e.notes[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	s.notes = e.notes
	return s, nil
}

// Stdin is read by LoadFile when it is given "-"; tests replace it.
var Stdin io.Reader = os.Stdin

// LoadFile loads a scenario from a file path, from standard input ("-",
// named "-" in errors), or from a built-in example's name when no file of
// that name exists: wherever a command takes FILE.yaml, a built-in NAME
// works too. A file that cannot be read is an error wrapping the os error.
func LoadFile(pathOrBuiltinName string) (*Scenario, error) {
	name := pathOrBuiltinName
	if name == "-" {
		b, err := io.ReadAll(io.LimitReader(Stdin, input.MaxScenarioBytes+1))
		if err != nil {
			return nil, fmt.Errorf("reading scenario from standard input: %w", err)
		}
		return Load("-", b)
	}
	b, err := input.ReadPrefix(name, input.Stream, input.MaxScenarioBytes+1)
	if errors.Is(err, input.ErrNotRegular) {
		return nil, ErrorList{{File: name, Line: 1, Col: 1, Msg: "not a scenario file: " + errors.Unwrap(err).Error()}}
	}
	if err != nil {
		if builtin, ok := Builtin(name); ok && errors.Is(err, fs.ErrNotExist) {
			return Load(name, builtin)
		}
		return nil, fmt.Errorf("reading scenario: %w", err)
	}
	return Load(name, b)
}

// yamlErrorLine pulls the line out of a yaml.v3 syntax error ("yaml: line
// 3: mapping values are not allowed in this context").
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if i := strings.Index(msg, ":"); i >= 0 {
			msg = strings.TrimSpace(msg[i+1:])
		}
		return line, "YAML syntax: " + msg
	}
	return 1, "YAML syntax: " + msg
}

// checkBudget bounds the work of checking the sweep values at load time, in
// tree nodes resolved (about 0.2 µs each, plus resolveOverhead per point):
// a file of many nodes (aliases expand a few lines into thousands) times a
// range of many values would otherwise take minutes to load. The budget
// is about 0.1 s of work (0.2 µs a node, 0.3 µs where it holds a ${var}).
const checkBudget = 500_000

// maxSweepWork bounds points × resolveCost: Points keeps every point's
// configuration, so a file of many nodes (aliases expand a few lines into
// thousands of actions) swept over many points would take seconds and
// gigabytes. An ordinary scenario of 100 nodes may still have MaxPoints points.
const maxSweepWork = 20_000_000

// resolveOverhead is the fixed cost of resolving one point (profiles,
// defaults, maps), counted in nodes.
const resolveOverhead = 50

// check resolves the base point and every sweep value once, so that a bad
// value anywhere is reported at load time with its position. When that is
// too much work (see checkBudget), a range is checked at its second and last
// values only: its values share one form and every limit of the schema is an
// interval, so the ends stand for the values between; a list's repeated
// values are checked once; and checking stops when the budget is spent.
// Points still resolves, and reports, every point.
func (s *Scenario) check(e *errs) {
	if n := s.pointCount(); n > MaxPoints {
		first := s.sweep[0]
		e.at(first.key.Line, first.key.Column, "the sweep has %d points, more than %d: check the ranges' steps", n, MaxPoints)
		return
	}
	s.resolve(e, make([]int, len(s.sweep)))
	nodes := s.resolveCost() + resolveOverhead
	cost := nodes + s.expandCost
	if n := s.pointCount(); n > 1 && n*cost > maxSweepWork {
		first := s.sweep[0]
		of := fmt.Sprintf("a file of %d YAML nodes", nodes)
		if s.expandCost > 0 {
			of += fmt.Sprintf(" and about %d characters of expanded ${var} values", s.expandCost*expandBytesPerNode)
		}
		e.at(first.key.Line, first.key.Column, "the sweep has %d points of %s: %d in all are too many to resolve (at most %d); sweep fewer values or shorten the file", n, of, n*cost, maxSweepWork)
	}
	type value struct{ dim, i int }
	var all []value
	for d := range s.sweep {
		for i := 1; i < len(s.sweep[d].values); i++ {
			all = append(all, value{d, i})
		}
	}
	todo := all
	if len(all)*cost > checkBudget {
		todo = nil
		for d, dim := range s.sweep {
			last := len(dim.values) - 1
			seen := map[string]bool{dim.values[0].text: true}
			for i := 1; i <= last; i++ {
				if dim.ranged && i != 1 && i != last {
					continue
				}
				if !seen[dim.values[i].text] {
					seen[dim.values[i].text] = true
					todo = append(todo, value{d, i})
				}
			}
		}
	}
	spent := cost
	for _, v := range todo {
		if spent += cost; spent > checkBudget {
			return
		}
		idx := make([]int, len(s.sweep))
		idx[v.dim] = v.i
		s.resolve(e, idx)
	}
}

// resolveCost is the number of nodes resolve copies and decodes: the tree
// without vars: and sweep:, which it shares.
func (s *Scenario) resolveCost() int {
	var count func(n *yaml.Node) int
	count = func(n *yaml.Node) int {
		c := 1
		for _, x := range n.Content {
			c += count(x)
		}
		return c
	}
	c := 1
	for i := 0; i+1 < len(s.root.Content); i += 2 {
		if k := s.root.Content[i].Value; k != "vars" && k != "sweep" {
			c += count(s.root.Content[i]) + count(s.root.Content[i+1])
		}
	}
	return c
}

func (s *Scenario) pointCount() int {
	n := 1
	for _, d := range s.sweep {
		n *= len(d.values)
		if n > MaxPoints {
			return n
		}
	}
	return n
}

// resolve builds the configuration of the point whose sweep values have
// indices idx.
func (s *Scenario) resolve(e *errs, idx []int) *RunConfig {
	root := s.copyRoot()
	vars := make([]variable, len(s.vars))
	copy(vars, s.vars)
	for d, dim := range s.sweep {
		v := dim.values[idx[d]]
		node := scalar(v.text, v.line, v.col)
		if dim.isVar {
			for i := range vars {
				if vars[i].name == dim.name {
					vars[i].value = node
				}
			}
			continue
		}
		ownPath(root, dim.name)
		if !setPath(root, dim.name, node) {
			e.at(v.line, v.col, "sweep key %s: the file has a single value where a mapping is needed", dim.name)
		}
	}
	work := substitute(e, root, vars, s.clean)
	if idx0(idx) {
		// A node's cost covers a short value; only what ${var}s add beyond
		// that counts.
		s.expandCost = max(0, work/expandBytesPerNode-s.resolveCost())
	}
	d := &decoder{e: e}
	return d.scenario(root)
}

// copyRoot copies the tree for one point, sharing what no point changes:
// the values of vars: and sweep:, and every subtree without a ${var}
// (resolve copies the mappings on a swept path before changing them). The
// decoder only reads the tree, so a point costs little beyond decoding.
func (s *Scenario) copyRoot() *yaml.Node {
	var cp func(n *yaml.Node) *yaml.Node
	cp = func(n *yaml.Node) *yaml.Node {
		if s.clean[n] {
			return n
		}
		m := *n
		m.Content = make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			m.Content[i] = cp(c)
		}
		return &m
	}
	root := *s.root
	root.Content = make([]*yaml.Node, len(s.root.Content))
	for i, n := range s.root.Content {
		if i%2 == 1 {
			if k := s.root.Content[i-1].Value; k == "vars" || k == "sweep" {
				root.Content[i] = n
				continue
			}
		}
		root.Content[i] = cp(n)
	}
	return &root
}

// markClean records the nodes of the tree whose subtree holds no ${...}.
// It runs again after Set changes the tree.
func (s *Scenario) markClean() {
	s.clean = map[*yaml.Node]bool{}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		ok := n.Kind != yaml.ScalarNode || !strings.Contains(n.Value, "${")
		for _, c := range n.Content {
			if !walk(c) {
				ok = false
			}
		}
		if ok {
			s.clean[n] = true
		}
		return ok
	}
	walk(s.root)
}

// Set overrides a var or a dotted path (link.delay, server.tcp.delayed_ack,
// runs, seed, stop_after, profile) before the sweep, as --set does. A key
// that is swept stops being swept: the value given here holds at every
// point. The error names the key; on error the scenario is left as it was,
// so that a caller may report it and go on.
func (s *Scenario) Set(key, value string) error {
	isVar := false
	for _, v := range s.vars {
		isVar = isVar || v.name == key
	}
	if !isVar {
		if !knownPath(key) {
			names := allPaths()
			for _, v := range s.vars {
				names = append(names, v.name)
			}
			hint := ""
			if sug := suggest(key, names); sug != "" {
				hint = " (did you mean " + quote(sug) + "?)"
			}
			return fmt.Errorf("unknown key %q%s: name a var of the scenario or a setting such as link.loss, server.tcp.delayed_ack or runs", key, hint)
		}
		if key == "name" || key == "sweep" || key == "vars" || strings.HasSuffix(key, ".do") {
			return fmt.Errorf("%s cannot be set from the command line", key)
		}
	}
	for _, d := range s.sweep {
		if !d.isVar && strings.HasPrefix(key, d.name+".") {
			return fmt.Errorf("%s is inside the swept key %s, whose value replaces it at every point: --set %s instead (it then holds at every point), or take it out of the sweep", key, d.name, d.name)
		}
	}
	root, vars, sweep := s.root, s.vars, s.sweep
	s.vars = append([]variable(nil), vars...)
	s.sweep = nil
	for _, d := range sweep {
		if d.name != key {
			s.sweep = append(s.sweep, d)
		}
	}
	node := scalar(value, 0, 0)
	if isVar {
		for i := range s.vars {
			if s.vars[i].name == key {
				s.vars[i].value = node
			}
		}
	} else {
		cl := &cloner{}
		s.root = cl.clone(root, 0)
		if !setPath(s.root, key, node) {
			s.root, s.vars, s.sweep = root, vars, sweep
			return fmt.Errorf("%s: the file has a single value where a mapping is needed", key)
		}
		s.markClean()
	}
	e := &errs{file: s.file + " (with --set " + oneLine(key+"="+value) + ")"}
	s.check(e)
	if err := e.err(); err != nil {
		s.root, s.vars, s.sweep = root, vars, sweep
		s.markClean()
		return err
	}
	return nil
}

// Point is one sweep point.
type Point struct {
	Index  int
	Keys   []string // the sweep keys, in the order the file lists them
	Values []string // this point's values, as written
	Config *RunConfig
}

// Keys returns the sweep keys in file order.
func (s *Scenario) Keys() []string {
	keys := make([]string, len(s.sweep))
	for i, d := range s.sweep {
		keys[i] = d.name
	}
	return keys
}

// Points resolves every sweep point, the first sweep key varying slowest. A
// scenario without a sweep has one point.
func (s *Scenario) Points() ([]Point, error) {
	return s.PointsContext(context.Background())
}

// PointsContext is Points, stopping with ctx's error when ctx is done (a
// sweep of 100 000 points takes a second or two to resolve).
func (s *Scenario) PointsContext(ctx context.Context) ([]Point, error) {
	if n := s.pointCount(); n > MaxPoints || n*(s.resolveCost()+resolveOverhead+s.expandCost) > maxSweepWork {
		// Load and Set refuse such a scenario; this guards a caller that
		// ignored their error.
		return nil, ErrorList{{File: s.file, Msg: fmt.Sprintf("the sweep has %d points: too many to resolve", n)}}
	}
	e := &errs{file: s.file}
	keys := s.Keys()
	var points []Point
	var cancelled error
	s.eachPoint(func(idx []int) bool {
		if len(points)%256 == 0 {
			if cancelled = ctx.Err(); cancelled != nil {
				return false
			}
		}
		p := Point{Index: len(points), Keys: keys}
		for d, dim := range s.sweep {
			p.Values = append(p.Values, dim.values[idx[d]].text)
		}
		p.Config = s.resolve(e, idx)
		points = append(points, p)
		return true
	})
	if cancelled != nil {
		return nil, cancelled
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return points, nil
}

// eachPoint calls fn with the sweep indices of every point, the first key
// varying slowest, until fn returns false.
func (s *Scenario) eachPoint(fn func(idx []int) bool) {
	idx := make([]int, len(s.sweep))
	for {
		if !fn(idx) {
			return
		}
		d := len(idx) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < len(s.sweep[d].values) {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// CheckPoints resolves every sweep point, as Points does, keeping none:
// Load checks each sweep value on its own (and within a work budget), so a
// limit across two swept keys (mss against a swept mtu, rto_min against a
// swept rto_max) shows only here. It is what `emu validate` adds to Load,
// so that validate passes exactly what run accepts.
func (s *Scenario) CheckPoints() error {
	if n := s.pointCount(); n > MaxPoints || n*(s.resolveCost()+resolveOverhead+s.expandCost) > maxSweepWork {
		return ErrorList{{File: s.file, Line: 1, Col: 1, Msg: fmt.Sprintf("the sweep has %d points: too many to resolve", n)}}
	}
	e := &errs{file: s.file}
	s.eachPoint(func(idx []int) bool {
		s.resolve(e, idx)
		return len(e.list) < maxErrors
	})
	return e.err()
}

// Name returns the scenario's name, or "" if the file has none.
func (s *Scenario) Name() string {
	if n := lookup(s.root, "name"); n != nil {
		return n.Value
	}
	return ""
}
