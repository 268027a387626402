package engine

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestRunSeedDeterministicAndDistinct(t *testing.T) {
	// The seeds written in runs.csv must reproduce a run in any later
	// version of emu: the derivation is pinned.
	if got := RunSeed(1, 0, 0); got != 7806873273932414515 {
		t.Fatalf("RunSeed(1, 0, 0) = %d: the seed derivation changed", got)
	}
	if got := RunSeed(1, 2, 3); got != 937349279089814987 {
		t.Fatalf("RunSeed(1, 2, 3) = %d: the seed derivation changed", got)
	}
	seen := map[uint64]string{}
	for seed := uint64(0); seed < 4; seed++ {
		for p := range 20 {
			for r := range 20 {
				v := RunSeed(seed, p, r)
				key := string(rune('0'+seed)) + "/" + string(rune('a'+p)) + "/" + string(rune('a'+r))
				if other, dup := seen[v]; dup {
					t.Fatalf("RunSeed %s collides with %s", key, other)
				}
				seen[v] = key
			}
		}
	}
	// Swapping point and run must not give the same seed.
	if RunSeed(1, 2, 3) == RunSeed(1, 3, 2) {
		t.Fatal("RunSeed is symmetric in point and run")
	}
}

func draw(s *Stream, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = s.Uint64()
	}
	return out
}

func TestStreamDeterminism(t *testing.T) {
	tests := []struct {
		name      string
		seed      uint64
		component string
	}{
		{"link", RunSeed(1, 0, 0), "link.forward"},
		{"isn", RunSeed(42, 7, 199), "client.isn"},
		{"empty name", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := draw(NewStream(tc.seed, tc.component), 1000)
			b := draw(NewStream(tc.seed, tc.component), 1000)
			// Reseeding a used stream replays the same numbers.
			s := NewStream(999, "other")
			s.Float64()
			s.Reseed(tc.seed, tc.component)
			c := draw(s, 1000)
			for i := range a {
				if a[i] != b[i] || a[i] != c[i] {
					t.Fatalf("draw %d differs: %x %x %x", i, a[i], b[i], c[i])
				}
			}
		})
	}
}

func TestStreamSourceSharesState(t *testing.T) {
	a := NewStream(5, "x")
	b := NewStream(5, "x")
	src := a.Source()
	for i := range 100 {
		var x, y uint64
		if i%2 == 0 {
			x, y = src.Uint64(), b.Uint64()
		} else {
			x, y = a.Uint64(), b.Uint64()
		}
		if x != y {
			t.Fatalf("draw %d: source %x, stream %x", i, x, y)
		}
	}
	var _ rand.Source = src
}

// correlation is Pearson's r of two equally long samples.
func correlation(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, syy, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		syy += y[i] * y[i]
		sxy += x[i] * y[i]
	}
	cov := sxy/n - sx/n*sy/n
	return cov / math.Sqrt((sxx/n-sx/n*sx/n)*(syy/n-sy/n*sy/n))
}

func TestStreamIndependence(t *testing.T) {
	base := NewStream(RunSeed(1, 0, 0), "link.forward")
	others := []struct {
		name string
		s    *Stream
	}{
		{"other component", NewStream(RunSeed(1, 0, 0), "link.reverse")},
		{"other run", NewStream(RunSeed(1, 0, 1), "link.forward")},
		{"other point", NewStream(RunSeed(1, 1, 0), "link.forward")},
		{"other seed", NewStream(RunSeed(2, 0, 0), "link.forward")},
		{"adjacent run seed", NewStream(RunSeed(1, 0, 0)+1, "link.forward")},
	}
	const n = 20_000
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = base.Float64()
	}
	// |r| of independent samples is about N(0, 1/n): 5/sqrt(n) is a 5-sigma bound.
	bound := 5 / math.Sqrt(n)
	for _, o := range others {
		t.Run(o.name, func(t *testing.T) {
			ys := make([]float64, n)
			for i := range ys {
				ys[i] = o.s.Float64()
			}
			if xs[0] == ys[0] {
				t.Fatalf("first values equal: %v", xs[0])
			}
			same := 0
			for i := range xs {
				if xs[i] == ys[i] {
					same++
				}
			}
			if same > 0 {
				t.Fatalf("%d equal draws", same)
			}
			if r := correlation(xs, ys); math.Abs(r) > bound {
				t.Fatalf("correlation %v beyond ±%v", r, bound)
			}
			// Lagged by one, to catch a stream that is the other shifted.
			if r := correlation(xs[1:], ys[:n-1]); math.Abs(r) > bound {
				t.Fatalf("lag-1 correlation %v beyond ±%v", r, bound)
			}
		})
	}
}

func TestStreamUniformMean(t *testing.T) {
	s := NewStream(RunSeed(9, 0, 0), "mean")
	const n = 100_000
	sum := 0.0
	for range n {
		sum += s.Float64()
	}
	// Uniform(0,1) has variance 1/12; allow 5 standard errors.
	if m, se := sum/n, math.Sqrt(1.0/12/n); math.Abs(m-0.5) > 5*se {
		t.Fatalf("mean %v, want 0.5 ± %v", m, 5*se)
	}
}

// TestStreamMatchesRand holds Stream's own draws (Uint64, Float64,
// ExpFloat64) to math/rand/v2's on the same seeds, draw for draw: every
// output of emu depends on them, so they may not change by a bit.
func TestStreamMatchesRand(t *testing.T) {
	tests := []struct {
		name      string
		seed      uint64
		component string
		n         int
	}{
		{"hold", 1, "bench.hold", 2_000_000},
		{"link", RunSeed(7, 3, 11), "link.forward", 2_000_000},
		{"zero seed", 0, "", 200_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStream(tc.seed, tc.component)
			a, b := StreamSeeds(tc.seed, tc.component)
			r := rand.New(rand.NewPCG(a, b))
			tail := 0
			for i := range tc.n {
				switch i % 5 {
				case 0:
					if x, y := s.Uint64(), r.Uint64(); x != y {
						t.Fatalf("draw %d: Uint64 %x, math/rand/v2 %x", i, x, y)
					}
				case 1:
					if x, y := s.Float64(), r.Float64(); x != y {
						t.Fatalf("draw %d: Float64 %v, math/rand/v2 %v", i, x, y)
					}
				default:
					x, y := s.ExpFloat64(), r.ExpFloat64()
					if math.Float64bits(x) != math.Float64bits(y) {
						t.Fatalf("draw %d: ExpFloat64 %v, math/rand/v2 %v", i, x, y)
					}
					if x > expR {
						tail++
					}
				}
			}
			// The methods left to rand.Rand draw from the same state.
			if x, y := s.IntN(1000), r.IntN(1000); x != y {
				t.Fatalf("IntN after the draws: %d, math/rand/v2 %d", x, y)
			}
			// Beyond expR (probability e^-7.7, about 1/2200) ExpFloat64
			// takes its tail branch: the long cases must have reached it.
			if tc.n >= 1_000_000 && tail == 0 {
				t.Fatalf("no draw reached the tail of the ziggurat in %d draws", tc.n)
			}
		})
	}
}

// TestExpTablesMatchGo compares the ziggurat tables copied in exptables.go
// with those of the installed Go's math/rand/v2, entry for entry, including
// the entries of the rare wedge and tail branches no sample may reach.
func TestExpTablesMatchGo(t *testing.T) {
	path := filepath.Join(runtime.GOROOT(), "src", "math", "rand", "v2", "exp.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Skip("needs Go's source of math/rand/v2 (GOROOT/src): " + err.Error())
	}
	table := func(name string) []string {
		text := string(src)
		start := strings.Index(text, "var "+name+" = [256]")
		if start < 0 {
			t.Fatalf("%s: no table %s", path, name)
		}
		body := text[start:]
		body = body[strings.Index(body, "{")+1 : strings.Index(body, "}")]
		return strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	}
	ke, we, fe := table("ke"), table("we"), table("fe")
	if len(ke) != 256 || len(we) != 256 || len(fe) != 256 {
		t.Fatalf("%s: tables of %d, %d, %d entries, want 256", path, len(ke), len(we), len(fe))
	}
	for i := range 256 {
		k, err := strconv.ParseUint(ke[i], 0, 32)
		if err != nil || uint32(k) != expK[i] {
			t.Errorf("ke[%d] = %s in Go, %d here", i, ke[i], expK[i])
		}
		w, err := strconv.ParseFloat(we[i], 32)
		if err != nil || float32(w) != expW[i] {
			t.Errorf("we[%d] = %s in Go, %v here", i, we[i], expW[i])
		}
		f, err := strconv.ParseFloat(fe[i], 32)
		if err != nil || float32(f) != expF[i] {
			t.Errorf("fe[%d] = %s in Go, %v here", i, fe[i], expF[i])
		}
	}
}
