package ladder

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

var update = flag.Bool("update", false, "rewrite the golden ladders in testdata/")

func params(server []tcp.Op, drop bool) *sim.Params {
	s, _ := tcp.Profile("linux")
	s.HZ = 0
	l := netlink.DefaultConfig()
	l.Delay = 10 * time.Millisecond
	return &sim.Params{
		Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 100}, {Kind: tcp.OpClose}}},
		Server:    sim.Endpoint{TCP: s, Do: server},
		StopAfter: 5 * time.Minute,
	}
}

// TestGoldenLadders draws the canonical closes and compares them with the
// files in testdata/ (rewrite with -update after checking the change).
func TestGoldenLadders(t *testing.T) {
	read := tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadEOF}
	cases := []struct {
		name   string
		server []tcp.Op
	}{
		{"three-way", []tcp.Op{{Kind: tcp.OpAccept}, read, {Kind: tcp.OpClose}}},
		{"four-way", []tcp.Op{{Kind: tcp.OpAccept}, read, {Kind: tcp.OpSleep, Duration: 100 * time.Millisecond}, {Kind: tcp.OpClose}}},
		{"rst", []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpSleep, Duration: 5 * time.Millisecond}, {Kind: tcp.OpClose}}},
		{"simultaneous", []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpSleep, Duration: time.Microsecond}, {Kind: tcp.OpClose}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := sim.NewWorker()
			tr := &results.Trace{}
			w.SetTrace(tr)
			p := params(c.server, false)
			if c.name == "simultaneous" {
				// The client closes 10 ms after connecting, when the server's
				// FIN is still on the wire.
				p.Client.Do = []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSleep, Duration: 10*time.Millisecond + time.Microsecond}, {Kind: tcp.OpClose}}
			}
			if _, err := w.Run(p, 0, 0, 1); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Write(&b, tr, Options{}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", c.name+".txt")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(golden, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("ladder differs from %s:\n%s", golden, b.String())
			}
			if !bytes.Contains(b.Bytes(), []byte("close type: "+c.name+" ")) {
				t.Errorf("ladder does not end with close type %s", c.name)
			}
		})
	}
}

// TestSVG: the SVG ladder is well-formed XML with one arrow (or lost stub)
// per segment and the close type at the bottom.
func TestSVG(t *testing.T) {
	read := tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadEOF}
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	p := params([]tcp.Op{{Kind: tcp.OpAccept}, read, {Kind: tcp.OpClose}}, false)
	p.Link.Forward.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: 0.3}
	if _, err := w.Run(p, 0, 0, 5); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, tr, "test"); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&b)
	segments, lost, texts := 0, 0, []string{}
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			inText = x.Name.Local == "text"
			for _, a := range x.Attr {
				if a.Name.Local == "class" && a.Value == "segment" {
					segments++
				}
				if a.Name.Local == "class" && a.Value == "segment lost" {
					lost++
				}
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(x))
			}
		case xml.EndElement:
			inText = false
		}
	}
	wantLost := 0
	for _, s := range tr.Run.Segments {
		if s.Lost() {
			wantLost++
		}
	}
	if segments+lost != len(tr.Run.Segments) || lost != wantLost || wantLost == 0 {
		t.Errorf("%d arrows and %d lost stubs for %d segments (%d lost)", segments, lost, len(tr.Run.Segments), wantLost)
	}
	last := texts[len(texts)-1]
	if !strings.HasPrefix(last, "close type: ") {
		t.Errorf("last text %q", last)
	}
}
