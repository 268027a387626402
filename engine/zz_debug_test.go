package engine

import "testing"

func (q *queue) check(t *testing.T, now Time) {
	if q.summary != 0 && !q.near.empty() {
		t.Fatalf("wheel and near both in use")
	}
	for s := range wheelSlots {
		for i := q.head[s]; i != 0; i = q.nodes[i].next {
			e := q.nodes[i].e
			if e.at < q.base || uint64(e.at^q.base) >= wheelSlots || uint(e.at)%wheelSlots != uint(s) {
				t.Fatalf("wheel slot %d holds %d, base %d now %d", s, e.at, q.base, now)
			}
			if e.at < now {
				t.Fatalf("past event %d now %d", e.at, now)
			}
		}
	}
	for b, bk := range q.buckets {
		for _, e := range bk {
			if e.at < q.base || e.at < now {
				t.Fatalf("bucket %d holds %d, base %d now %d", b, e.at, q.base, now)
			}
		}
	}
}
