package ladder

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

// svgLabel is a segment label as the SVG draws it.
type svgLabel struct {
	text           string
	cx, cy, deg    float64
	chars          int
	title, keyText bool
}

// readSVG returns the segment labels of an SVG ladder, its title and the
// texts of its key.
func readSVG(t *testing.T, b []byte) (labels []svgLabel, title string, key []string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var cur *svgLabel
	inKey, inTitle := 0, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return labels, title, key
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range x.Attr {
				attr[a.Name.Local] = a.Value
			}
			if x.Name.Local == "g" && attr["class"] == "key" {
				inKey = 1
			} else if inKey > 0 {
				inKey++
			}
			inTitle = attr["class"] == "title"
			if attr["class"] == "label" {
				l := svgLabel{}
				if _, err := fmt.Sscanf(attr["transform"], "rotate(%g %g %g)", &l.deg, &l.cx, &l.cy); err != nil {
					t.Fatalf("label transform %q: %v", attr["transform"], err)
				}
				l.chars, _ = strconv.Atoi(attr["data-chars"])
				if !strings.Contains(attr["paint-order"], "stroke") || attr["stroke"] != "white" {
					t.Errorf("label without a white halo: %v", attr)
				}
				labels = append(labels, l)
				cur = &labels[len(labels)-1]
			}
		case xml.CharData:
			switch {
			case cur != nil:
				cur.text += string(x)
			case inTitle:
				title += string(x)
			case inKey > 1:
				key = append(key, string(x))
			}
		case xml.EndElement:
			cur, inTitle = nil, false
			if inKey > 0 {
				inKey--
			}
		}
	}
}

// TestSVGLabels draws lossy runs (losses, retransmissions, crossing
// segments) and every built-in example, and checks what a reader needs:
// the title, the colour key, every segment labelled once, no two labels
// overlapping, and every label between the two time lines.
func TestSVGLabels(t *testing.T) {
	traces := map[string]*results.Trace{}
	read := tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadEOF}
	for seed := uint64(1); seed <= 30; seed++ {
		w := sim.NewWorker()
		tr := &results.Trace{}
		w.SetTrace(tr)
		p := params([]tcp.Op{{Kind: tcp.OpAccept}, read, {Kind: tcp.OpClose}}, false)
		p.Client.Do[1].Size = 5000
		loss := netlink.Loss{Model: netlink.LossBernoulli, P: 0.3}
		p.Link.Forward.Loss, p.Link.Reverse.Loss = loss, loss
		if _, err := w.Run(p, 0, 0, seed); err != nil {
			t.Fatal(err)
		}
		traces["lossy/"+strconv.FormatUint(seed, 10)] = tr
	}
	for _, name := range scenarios.BuiltinNames() {
		traces[name] = exampleTrace(t, name, 0)
	}
	for name, tr := range traces {
		var b bytes.Buffer
		if err := WriteSVG(&b, tr, "title of "+name); err != nil {
			t.Fatal(err)
		}
		labels, title, key := readSVG(t, b.Bytes())
		if title != "title of "+name {
			t.Errorf("%s: title %q", name, title)
		}
		if k := strings.Join(key, "|"); k != "client → server|server → client|✕|lost|STATE|call() = result|(rtx) retransmission" {
			t.Errorf("%s: key %q", name, k)
		}
		if len(labels) != len(tr.Run.Segments) {
			t.Errorf("%s: %d labels for %d segments", name, len(labels), len(tr.Run.Segments))
		}
		boxes := make([]box, len(labels))
		for i, l := range labels {
			if l.chars != len([]rune(l.text)) {
				t.Errorf("%s: label %q says %d characters", name, l.text, l.chars)
			}
			boxes[i] = labelBox(l.cx, l.cy, l.deg*3.141592653589793/180, l.chars)
			if !boxes[i].within(svgClientX, svgServerX) {
				t.Errorf("%s: label %q crosses a time line", name, l.text)
			}
			for j := range i {
				if boxes[i].overlaps(boxes[j]) {
					t.Errorf("%s: labels %q and %q overlap", name, labels[j].text, l.text)
				}
			}
		}
	}
}

// TestBoxes checks the overlap test itself on hand-placed outlines.
func TestBoxes(t *testing.T) {
	flat := labelBox(100, 100, 0, 10) // 72 px wide, from y 88 to 101
	for _, c := range []struct {
		name string
		o    box
		want bool
	}{
		{"same", labelBox(100, 100, 0, 10), true},
		{"beside", labelBox(173, 100, 0, 10), false},
		{"touching by 2px", labelBox(170, 100, 0, 10), true},
		{"one row below", labelBox(100, 114, 0, 10), false},
		{"half a row below", labelBox(100, 107, 0, 10), true},
		{"crossing at 30 degrees", labelBox(100, 100, 0.52, 10), true},
		// A steep label whose axis-aligned bounds would meet the flat
		// one's though the labels do not.
		{"steep, clear", labelBox(150, 70, 0.5, 4), false},
	} {
		if got := flat.overlaps(c.o); got != c.want {
			t.Errorf("%s: overlaps = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestSVGGolden compares the drawing of a lossy run (losses, a
// retransmission, crossing segments) with testdata/lossy.svg; rewrite it
// with -update after looking at the new drawing.
func TestSVGGolden(t *testing.T) {
	read := tcp.Op{Kind: tcp.OpRead, Read: tcp.ReadEOF}
	w := sim.NewWorker()
	tr := &results.Trace{}
	w.SetTrace(tr)
	p := params([]tcp.Op{{Kind: tcp.OpAccept}, read, {Kind: tcp.OpClose}}, false)
	p.Client.Do[1].Size = 5000
	loss := netlink.Loss{Model: netlink.LossBernoulli, P: 0.3}
	p.Link.Forward.Loss, p.Link.Reverse.Loss = loss, loss
	if _, err := w.Run(p, 0, 0, 16); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, tr, "lossy, seed 16"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "lossy.svg")
	if *update {
		os.WriteFile(path, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("the drawing differs from %s (look at it, then -update)", path)
	}
}
