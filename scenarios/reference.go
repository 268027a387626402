package scenarios

import (
	"sort"
)

// KeyTable is one mapping of the scenario format and the keys the decoder
// accepts in it. The lists are the decoder's own, so that the reference
// documentation, the JSON Schema of `emu schema` and their tests follow
// every key the decoder learns.
type KeyTable struct {
	// Path names the mapping as the documentation does: "" for the top
	// level, then "link", "link.forward", "link.jitter", "link.loss",
	// "connections", "client", "host", "tcp", "set" (the options of the
	// set action) and "range" (a sweep range).
	Path string
	Keys []string
}

// KeyTables returns every mapping of the scenario format with the keys it
// accepts, in the order the decoder lists them. The slices are copies.
func KeyTables() []KeyTable {
	cp := func(s []string) []string { return append([]string(nil), s...) }
	return []KeyTable{
		{"", cp(topKeys)},
		{"link", cp(linkKeys)},
		// forward: and reverse: take every link key except themselves.
		{"link.forward", cp(linkKeys[:7])},
		{"link.jitter", cp(jitterKeys)},
		{"link.loss", cp(lossKeys)},
		{"connections", cp(connectionKeys)},
		{"client", cp(sideKeys)},
		{"host", cp(hostKeys)},
		{"tcp", TCPSettingNames()},
		{"set", cp(setKeys)},
		{"range", cp(rangeKeys)},
	}
}

// Actions returns the names of every action a do: list accepts: the
// bare ones (connect, close, ...) first, then those that take an argument
// ({send: 100B}, ...).
func Actions() []string {
	out := keys(scalarActions)
	var rest []string
	for k := range scalarActions {
		found := false
		for _, o := range out {
			found = found || o == k
		}
		if !found {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	out = append(out, rest...)
	return append(out, mapActions...)
}

// ActionTakesArgument reports whether an action is written with an
// argument ({send: 100B}) rather than as a bare name (close).
func ActionTakesArgument(name string) bool {
	for _, m := range mapActions {
		if m == name {
			return true
		}
	}
	return false
}
