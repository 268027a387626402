package capture

import (
	"bytes"
	"testing"
	"time"

	"github.com/emu-sim/emu/internal/capturegen"
	"github.com/emu-sim/emu/results"
)

// kindType is the close type each synthetic kind is written to produce.
var kindType = [capturegen.NumKinds]results.CloseType{
	capturegen.ThreeWay: results.ThreeWay, capturegen.FourWay: results.FourWay, capturegen.RST: results.RST,
	capturegen.FinRST: results.FinRST, capturegen.NoConnect: results.NoConnect,
}

// TestSynthetic classifies a synthetic capture of many overlapping
// connections: every connection once, each with the close type it was
// written with, and no more connections held at once than start within a
// quiet period plus the longest connection (60 ms).
func TestSynthetic(t *testing.T) {
	const n = 60000 // 6 s of connections at one per 100 µs
	var buf bytes.Buffer
	packets, err := capturegen.Write(&buf, capturegen.Options{Connections: n, Every: 100 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	var counts [results.NumCloseTypes]int
	st, err := Read("synthetic.pcap", &buf, Options{}, func(c *Connection) error {
		counts[c.Outcome.CloseType]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Packets != packets || st.TCP != packets || st.Connections != n {
		t.Errorf("%d packets (%d TCP), %d connections; want %d, %d", st.Packets, st.TCP, st.Connections, packets, n)
	}
	for k := capturegen.Kind(0); k < capturegen.NumKinds; k++ {
		if got, want := counts[kindType[k]], capturegen.Count(n, k); got != want {
			t.Errorf("%v: %d connections, want %d", kindType[k], got, want)
		}
	}
	// Connections last at most 60 ms and are then held for QuietPeriod;
	// one starts every 100 µs.
	if limit := int((QuietPeriod+60*time.Millisecond)/(100*time.Microsecond)) + 1; st.PeakOpen > limit {
		t.Errorf("%d connections held at once, want at most %d", st.PeakOpen, limit)
	}
	t.Logf("peak %d connections held of %d", st.PeakOpen, n)
}

// BenchmarkClassify reads a synthetic capture of 20 000 connections
// (150 000 packets) and reports packets per second.
func BenchmarkClassify(b *testing.B) {
	var buf bytes.Buffer
	packets, err := capturegen.Write(&buf, capturegen.Options{Connections: 20000})
	if err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := Read("bench.pcap", bytes.NewReader(data), Options{}, func(*Connection) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
