package capture

import (
	"os"
	"testing"
	"github.com/emu-sim/emu/results"
)

func BenchmarkBigFile(b *testing.B) {
	for range b.N {
		f, _ := os.Open("/tmp/bench/bench.pcap")
		cw, _ := NewConnectionsWriter(devnull{})
		acc := results.NewAccumulator(0, nil)
		Read("x", f, Options{}, func(c *Connection) error { acc.Add(&c.Outcome); return cw.Write(c) })
		cw.Flush()
		f.Close()
	}
}

type devnull struct{}

func (devnull) Write(p []byte) (int, error) { return len(p), nil }
