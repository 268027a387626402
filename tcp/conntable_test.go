package tcp

import "testing"

// TestConnTable: the table finds every endpoint by its two ports through
// growth, removal and replacement, and counts them.
func TestConnTable(t *testing.T) {
	var tab connTable
	tab.reset()
	ep := func(l, r uint16) *Endpoint { return &Endpoint{localPort: l, remotePort: r} }
	var es []*Endpoint
	// Many local ports to one remote (a client), one local port to many
	// remotes (a server): both spread over the buckets.
	for p := uint16(0); p < 3000; p++ {
		es = append(es, ep(32768+p, 8000), ep(8000, 40000+p))
	}
	for _, e := range es {
		if old := tab.put(e); old != nil {
			t.Fatalf("put %v replaced %v", e, old)
		}
	}
	if tab.n != len(es) || len(tab.buckets) < len(es) {
		t.Fatalf("%d endpoints in %d buckets, want %d in at least as many", tab.n, len(tab.buckets), len(es))
	}
	for _, e := range es {
		if got := tab.get(connKey(e.localPort, e.remotePort)); got != e {
			t.Fatalf("get %d/%d = %p, want %p", e.localPort, e.remotePort, got, e)
		}
	}
	if tab.get(connKey(8000, 8000)) != nil {
		t.Fatalf("found a connection never put")
	}
	for i, e := range es {
		if i%2 == 0 {
			tab.remove(e)
			tab.remove(e) // twice: no effect
		}
	}
	for i, e := range es {
		got := tab.get(connKey(e.localPort, e.remotePort))
		if want := map[bool]*Endpoint{true: nil, false: e}[i%2 == 0]; got != want {
			t.Fatalf("after removal, get %d/%d = %p, want %p", e.localPort, e.remotePort, got, want)
		}
	}
	// A new endpoint on a key in use replaces the old one.
	newer := ep(8000, 40001)
	if old := tab.put(newer); old != es[3] || old.listed || tab.get(connKey(8000, 40001)) != newer {
		t.Fatalf("replacing returned %p (listed %v), want %p", old, old != nil && old.listed, es[3])
	}
	if tab.n != len(es)/2 || len(tab.all()) != tab.n {
		t.Fatalf("%d endpoints counted, %d listed, want %d", tab.n, len(tab.all()), len(es)/2)
	}
	tab.reset()
	if tab.n != 0 || len(tab.all()) != 0 || tab.get(connKey(8000, 40001)) != nil {
		t.Fatalf("reset left endpoints")
	}
}
