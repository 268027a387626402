package tcp

// connTable holds a host's live endpoints by (local port, remote port): an
// open hash table whose buckets chain the endpoints through Endpoint.next.
// It does what a map[uint32]*Endpoint did, without hashing through the
// runtime's generic map on every segment, state change and port search, and
// it is never iterated, so its order cannot reach a result.
type connTable struct {
	buckets []*Endpoint // a power of two of them
	shift   uint        // 32 - log2(len(buckets))
	n       int         // endpoints held
}

const minConnBuckets = 64

// slot returns the bucket index of a connection key (Fibonacci hashing:
// consecutive ports spread over the whole table).
func (t *connTable) slot(k uint32) uint32 { return (k * 0x9E3779B1) >> t.shift }

// reset empties the table, keeping its storage when it is small.
func (t *connTable) reset() {
	if len(t.buckets) > 4096 {
		t.buckets = nil
	}
	if t.buckets == nil {
		t.buckets = make([]*Endpoint, minConnBuckets)
		t.shift = 32 - 6
	} else {
		clear(t.buckets)
	}
	t.n = 0
}

// get returns the endpoint of key k, or nil.
func (t *connTable) get(k uint32) *Endpoint {
	for e := t.buckets[t.slot(k)]; e != nil; e = e.next {
		if connKey(e.localPort, e.remotePort) == k {
			return e
		}
	}
	return nil
}

// put adds e, which must not be in the table, replacing any endpoint of
// the same key; it returns the one replaced, or nil.
func (t *connTable) put(e *Endpoint) (old *Endpoint) {
	k := connKey(e.localPort, e.remotePort)
	if old = t.get(k); old != nil {
		t.remove(old)
	}
	if t.n >= len(t.buckets) {
		t.grow()
	}
	i := t.slot(k)
	e.next = t.buckets[i]
	t.buckets[i] = e
	e.listed = true
	t.n++
	return old
}

// remove takes e out of the table if it is there.
func (t *connTable) remove(e *Endpoint) {
	if !e.listed {
		return
	}
	for p := &t.buckets[t.slot(connKey(e.localPort, e.remotePort))]; *p != nil; p = &(*p).next {
		if *p == e {
			*p = e.next
			e.next, e.listed = nil, false
			t.n--
			return
		}
	}
}

// grow doubles the buckets and rehashes.
func (t *connTable) grow() {
	old := t.buckets
	t.buckets = make([]*Endpoint, 2*len(old))
	t.shift--
	for _, e := range old {
		for e != nil {
			next := e.next
			i := t.slot(connKey(e.localPort, e.remotePort))
			e.next = t.buckets[i]
			t.buckets[i] = e
			e = next
		}
	}
}

// all returns the endpoints in the table, in no particular order (for
// checks that look at every live endpoint; nothing that reaches a result
// may depend on the order).
func (t *connTable) all() []*Endpoint {
	var es []*Endpoint
	for _, e := range t.buckets {
		for ; e != nil; e = e.next {
			es = append(es, e)
		}
	}
	return es
}
