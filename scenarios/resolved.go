package scenarios

import (
	"bytes"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Resolved returns the scenario as it stands after Set, as a file that Load
// accepts and whose sweep points are this scenario's, one for one: the
// values Set gave are written where they belong (a var under vars:, a
// setting at its path), a swept key that Set fixed leaves sweep:, and
// anchors and aliases are written out. The file's comments stay with their
// keys. An output folder keeps it so that the run can be repeated from one
// file, without the command line's --set.
func (s *Scenario) Resolved() ([]byte, error) {
	cl := &cloner{}
	root := cl.clone(s.root, 0)
	if vars := lookup(root, "vars"); vars != nil && vars.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(vars.Content); i += 2 {
			for _, v := range s.vars {
				if v.name == vars.Content[i].Value {
					vars.Content[i+1] = cl.clone(v.value, 0)
				}
			}
		}
	}
	keys := s.Keys()
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "sweep" || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		sw := *root.Content[i+1]
		sw.Content = nil
		for j := 0; j+1 < len(root.Content[i+1].Content); j += 2 {
			if k := root.Content[i+1].Content[j]; slices.Contains(keys, k.Value) {
				sw.Content = append(sw.Content, k, root.Content[i+1].Content[j+1])
			}
		}
		if len(sw.Content) == 0 {
			root.Content = slices.Delete(root.Content, i, i+2)
		} else {
			root.Content[i+1] = &sw
		}
		break
	}
	if cl.exceeded {
		return nil, fmt.Errorf("%s: too large to write out", s.file)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("%s: %w", s.file, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.file, err)
	}
	return b.Bytes(), nil
}
