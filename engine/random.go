package engine

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

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
//
// Its generator is math/rand/v2's PCG-DXSM, and every method gives exactly
// the numbers rand.New(rand.NewPCG(StreamSeeds(...))) would give. Uint64,
// Float64 and ExpFloat64 are Stream's own, calling the generator directly
// rather than through rand.Rand's Source interface: they are the draws of a
// simulation's hot paths (jitter, loss, hold times). The other methods are
// rand.Rand's, drawing from the same state.
type Stream struct {
	pcg pcg
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
	s.pcg.hi, s.pcg.lo = StreamSeeds(runSeed, component)
}

// Source returns the stream's underlying generator, for libraries (such as
// gonum's distuv) that take a rand.Source.
func (s *Stream) Source() rand.Source { return &s.pcg }

// Uint64 returns a uniformly distributed 64-bit value.
func (s *Stream) Uint64() uint64 { return s.pcg.Uint64() }

// Float64 returns a uniformly distributed value in [0, 1), as
// rand.Rand.Float64 does.
func (s *Stream) Float64() float64 {
	return float64(s.pcg.Uint64()<<11>>11) / (1 << 53)
}

// ExpFloat64 returns an exponentially distributed value of mean 1, as
// rand.Rand.ExpFloat64 does: the same ziggurat (Marsaglia and Tsang, 2000)
// on the same tables, drawing from the same generator.
func (s *Stream) ExpFloat64() float64 {
	for {
		u := s.pcg.Uint64()
		j, i := uint32(u), uint8(u>>32)
		x := float64(j) * float64(expW[i])
		if j < expK[i] {
			return x
		}
		if i == 0 {
			return expR - math.Log(s.Float64())
		}
		if expF[i]+float32(s.Float64())*(expF[i-1]-expF[i]) < float32(math.Exp(-x)) {
			return x
		}
	}
}

// pcg is math/rand/v2's PCG: a 128-bit LCG with the DXSM output function
// (O'Neill's pcg_engines::cm_setseq_dxsm_128_64 with Numpy's constants),
// copied so that its Uint64 is a concrete, inlinable call. Its state after
// Seed(a, b) is rand.PCG's after NewPCG(a, b), and TestPCGMatchesGo holds it
// to the same outputs.
type pcg struct {
	hi, lo uint64
}

// Uint64 advances the generator and returns its next output.
func (p *pcg) Uint64() uint64 {
	const (
		mulHi    = 2549297995355413924
		mulLo    = 4865540595714422341
		incHi    = 6364136223846793005
		incLo    = 1442695040888963407
		cheapMul = 0xda942042e4dd58b5
	)
	// state = state * mul + inc
	hi, lo := bits.Mul64(p.lo, mulLo)
	hi += p.hi*mulLo + p.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	p.lo, p.hi = lo, hi
	// DXSM output: double xorshift multiply.
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= lo | 1
	return hi
}
