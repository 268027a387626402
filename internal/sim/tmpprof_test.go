package sim

import (
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/tcp"
)

func BenchmarkTmpMany(b *testing.B) {
	h := tcp.DefaultHostSettings()
	h.TWReuse = 1
	p := shortConnections(1_000_000, time.Millisecond, 20*time.Minute, h)
	p.MaxEvents = 0
	w := NewWorker()
	for i := 0; i < b.N; i++ {
		if _, err := w.Run(p, 0, i, engine.RunSeed(1, 0, i)); err != nil {
			b.Fatal(err)
		}
	}
}
