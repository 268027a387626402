package scenarios

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile file from exhausting memory: YAML aliases can
// expand a small file into a huge tree ("billion laughs"), and nesting can
// be arbitrarily deep.
const (
	maxDepth = 64
	maxNodes = 100_000
)

// cloner deep-copies a node tree, expanding aliases, within the limits.
type cloner struct {
	nodes    int
	exceeded bool
}

func (c *cloner) clone(n *yaml.Node, depth int) *yaml.Node {
	if n == nil {
		return nil
	}
	c.nodes++
	if depth > maxDepth || c.nodes > maxNodes {
		c.exceeded = true
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	if n.Kind == yaml.AliasNode {
		return c.clone(n.Alias, depth+1)
	}
	m := *n
	m.Anchor = ""
	if len(n.Content) > 0 {
		m.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			m.Content[i] = c.clone(x, depth+1)
			if c.exceeded {
				m.Content = m.Content[:i+1]
				break
			}
		}
	}
	return &m
}

// checkTags reports every explicit YAML tag (!!str, !!map, !custom): a tag
// would change how a value is read (`!!str` on a mapping keeps the mapping,
// a custom tag is dropped), and no setting of a scenario needs one. It walks
// the tree as parsed, before aliases are expanded, so each tag is reported
// once at the place it is written.
func checkTags(e *errs, n *yaml.Node, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Kind != yaml.AliasNode {
		e.at(n.Line, n.Column, "YAML tag %s: a scenario takes no tags; remove it", quote(n.Tag))
	}
	for _, c := range n.Content {
		checkTags(e, c, depth+1)
	}
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// setPath replaces the value at a dotted path in mapping root with v,
// creating missing mappings on the way. It reports false if the path runs
// into something that is not a mapping.
func setPath(root *yaml.Node, path string, v *yaml.Node) bool {
	parts := strings.Split(path, ".")
	n := root
	for i, p := range parts {
		if n.Kind != yaml.MappingNode {
			return false
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				if i == len(parts)-1 {
					n.Content[j+1] = v
					return true
				}
				next = n.Content[j+1]
				break
			}
		}
		if next == nil {
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p, Line: v.Line, Column: v.Column}
			if i == len(parts)-1 {
				next = v
			} else {
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
			}
			n.Content = append(n.Content, key, next)
			if i == len(parts)-1 {
				return true
			}
		}
		if next.Kind == yaml.ScalarNode && next.Tag == "!!null" {
			next.Kind, next.Tag = yaml.MappingNode, "!!map"
		}
		n = next
	}
	return true
}

// ownPath replaces the mappings along a dotted path in root (root itself
// excluded) with shallow copies, so that setPath can change them without
// touching a tree that other points share.
func ownPath(root *yaml.Node, path string) {
	parts := strings.Split(path, ".")
	n := root
	for _, p := range parts[:len(parts)-1] {
		if n.Kind != yaml.MappingNode {
			return
		}
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				c := *n.Content[j+1]
				c.Content = append([]*yaml.Node(nil), c.Content...)
				n.Content[j+1] = &c
				n, found = &c, true
				break
			}
		}
		if !found {
			return
		}
	}
}

// scalar returns a new scalar node holding s at a position.
func scalar(s string, line, col int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: line, Column: col}
}

// levenshtein is the edit distance, for "did you mean" suggestions.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest returns the closest of allowed to s, if it is close enough to be a typo.
func suggest(s string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := levenshtein(s, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}
