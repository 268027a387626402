package engine

import "math/rand/v2"

// splitmix64 is the finaliser of Vigna's SplitMix64 generator: a bijective
// mixing function whose output bits each depend on every input bit. It is used
// to turn structured inputs (seed, point, run, component) into unrelated
// generator seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fnv64a hashes a component name; FNV is enough here because its output is
// mixed again by splitmix64.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// RunSeed derives the seed of run `run` of sweep point `point` from a
// scenario's seed. It is the value written in the seed column of runs.csv.
func RunSeed(seed uint64, point, run int) uint64 {
	h := splitmix64(seed)
	h = splitmix64(h ^ uint64(point))
	return splitmix64(h ^ uint64(run)<<1 ^ 1)
}

// StreamSeeds derives the two PCG seed words of a named component's stream
// (for example "link.forward" or "client.isn") from a run seed.
func StreamSeeds(runSeed uint64, component string) (uint64, uint64) {
	h := splitmix64(runSeed ^ fnv64a(component))
	return h, splitmix64(h ^ 0x5851f42d4c957f2d)
}

// Stream is a deterministic random stream owned by one component of one run.
// Streams of different components, runs or points are independent; the same
// (seed, point, run, component) always yields the same numbers.
type Stream struct {
	pcg rand.PCG
	*rand.Rand
}

// NewStream returns the stream of a component in the run with seed runSeed
// (see RunSeed).
func NewStream(runSeed uint64, component string) *Stream {
	s := &Stream{}
	s.Rand = rand.New(&s.pcg)
	s.Reseed(runSeed, component)
	return s
}

// Reseed points an existing stream at another run's numbers without
// allocating, so that a worker can reuse its streams across runs.
func (s *Stream) Reseed(runSeed uint64, component string) {
	a, b := StreamSeeds(runSeed, component)
	s.pcg.Seed(a, b)
}

// Source returns the stream's underlying generator, for libraries (such as
// gonum's distuv) that take a rand.Source.
func (s *Stream) Source() rand.Source { return &s.pcg }
