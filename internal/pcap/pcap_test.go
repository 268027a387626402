package pcap

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/emu-sim/emu/engine"
	"github.com/emu-sim/emu/internal/runner"
	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/netlink"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

var update = flag.Bool("update", false, "rewrite testdata/three-way.pcap")

// trace runs the client-sends-and-closes exchange; loss > 0 adds drops.
func trace(t *testing.T, loss float64, seed uint64) *sim.Trace {
	t.Helper()
	s, _ := tcp.Profile("linux")
	s.HZ = 0
	l := netlink.DefaultConfig()
	l.Delay = 10 * time.Millisecond
	if loss > 0 {
		l.Loss = netlink.Loss{Model: netlink.LossBernoulli, P: loss}
	}
	p := &sim.Params{
		Link:      netlink.DuplexConfig{Forward: l, Reverse: l},
		Client:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpConnect}, {Kind: tcp.OpSend, Size: 3000}, {Kind: tcp.OpClose}}},
		Server:    sim.Endpoint{TCP: s, Do: []tcp.Op{{Kind: tcp.OpAccept}, {Kind: tcp.OpRead, Read: tcp.ReadEOF}, {Kind: tcp.OpClose}}},
		StopAfter: 10 * time.Minute,
	}
	w := sim.NewWorker()
	tr := &sim.Trace{}
	w.SetTrace(tr)
	if _, err := w.Run(p, 0, 0, seed); err != nil {
		t.Fatal(err)
	}
	return tr
}

// onesSum is the Internet checksum's ones-complement sum.
func onesSum(b []byte, sum uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return sum
}

// TestReadBack writes a capture, reads it back and checks every header
// field and both checksums of every packet against the run's record.
func TestReadBack(t *testing.T) {
	for _, c := range []struct {
		loss float64
		seed uint64
	}{{0, 1}, {0.2, 3}, {0.2, 9}} {
		tr := trace(t, c.loss, c.seed)
		pkts, ports := FromTrace(tr)
		var b bytes.Buffer
		if err := Write(&b, pkts, ports); err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		if r.LinkType() != layers.LinkTypeEthernet || r.Resolution().ToDuration() != time.Nanosecond {
			t.Errorf("link type %v resolution %v", r.LinkType(), r.Resolution())
		}
		for i, p := range pkts {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			if ci.Timestamp.UnixNano() != int64(p.At) {
				t.Errorf("packet %d at %v, want %v", i, ci.Timestamp.UnixNano(), int64(p.At))
			}
			pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			if el := pk.ErrorLayer(); el != nil {
				t.Fatalf("packet %d malformed: %v", i, el.Error())
			}
			ip := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			th := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
			src, sport := ServerIP, ports.Server
			if p.FromClient {
				src, sport = ClientIP, ports.Client
			}
			if !ip.SrcIP.Equal(src) || uint16(th.SrcPort) != sport || th.Seq != p.Seq || th.Ack != p.Ack ||
				th.SYN != (p.Flags&tcp.SYN != 0) || th.FIN != (p.Flags&tcp.FIN != 0) || th.RST != (p.Flags&tcp.RST != 0) ||
				th.ACK != (p.Flags&tcp.ACK != 0) || th.PSH != (p.Flags&tcp.PSH != 0) || len(th.Payload) != p.Len {
				t.Errorf("packet %d: %v %v seq %d ack %d len %d, want %+v", i, ip.SrcIP, th.SrcPort, th.Seq, th.Ack, len(th.Payload), p)
			}
			if p.MSS != 0 && (len(th.Options) == 0 || th.Options[0].OptionType != layers.TCPOptionKindMSS || binary.BigEndian.Uint16(th.Options[0].OptionData) != p.MSS) {
				t.Errorf("packet %d: MSS option %v, want %d", i, th.Options, p.MSS)
			}
			ipHeader := data[14 : 14+20]
			if onesSum(ipHeader, 0) != 0xffff {
				t.Errorf("packet %d: bad IPv4 checksum", i)
			}
			seg := data[14+20 : 14+int(ip.Length)]
			pseudo := append(append(append([]byte{}, ip.SrcIP.To4()...), ip.DstIP.To4()...), 0, 6, byte(len(seg)>>8), byte(len(seg)))
			if onesSum(seg, onesSum(pseudo, 0)) != 0xffff {
				t.Errorf("packet %d: bad TCP checksum", i)
			}
		}
	}
}

// TestGolden compares the capture of the three-way close with the file in
// testdata (rewrite with -update after checking it in Wireshark).
func TestGolden(t *testing.T) {
	pkts, ports := FromTrace(trace(t, 0, 1))
	var b bytes.Buffer
	if err := Write(&b, pkts, ports); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "three-way.pcap")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("capture differs from %s", golden)
	}
}

// exampleTraces returns run 0 of the first and the last point of every
// built-in example.
func exampleTraces(t *testing.T) map[string]*sim.Trace {
	t.Helper()
	out := map[string]*sim.Trace{}
	for _, name := range scenarios.BuiltinNames() {
		b, _ := scenarios.Builtin(name)
		s, err := scenarios.Load(name, b)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := s.Points()
		if err != nil {
			t.Fatal(err)
		}
		plan := runner.NewPlan(pts, "test", 0, 0, false)
		for _, p := range []int{0, len(plan.Points) - 1} {
			w := sim.NewWorker()
			tr := &sim.Trace{}
			w.SetTrace(tr)
			if _, err := w.Run(plan.Points[p].Params, p, 0, engine.RunSeed(plan.Seed, p, 0)); err != nil {
				t.Fatal(err)
			}
			out[name+"/"+strconv.Itoa(p)] = tr
		}
	}
	return out
}

// TestTshark runs tshark, when it is installed (CI installs it), on the
// captures of every built-in example (first and last sweep point) and of lossy
// runs: no malformed packet, every checksum good, and tshark's flags and
// relative sequence numbers equal emu's own record.
func TestTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	traces := exampleTraces(t)
	for _, seed := range []uint64{1, 3, 9} {
		traces["lossy/"+strconv.FormatUint(seed, 10)] = trace(t, 0.2, seed)
	}
	dir := t.TempDir()
	for name, tr := range traces {
		pkts, ports := FromTrace(tr)
		f := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".pcap")
		var b bytes.Buffer
		if err := Write(&b, pkts, ports); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(f, b.Bytes(), 0o644)
		out, err := exec.Command("tshark", "-r", f, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
			"-o", "tcp.relative_sequence_numbers:TRUE",
			"-T", "fields", "-E", "separator=,", "-e", "tcp.flags", "-e", "tcp.seq", "-e", "tcp.ack", "-e", "tcp.len",
			"-e", "tcp.checksum.status", "-e", "ip.checksum.status", "-e", "_ws.malformed").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v\n%s", name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != len(pkts) {
			t.Fatalf("%s: tshark read %d packets, want %d:\n%s", name, len(lines), len(pkts), out)
		}
		isn := tr.ISN
		for i, l := range lines {
			f := strings.Split(l, ",")
			p := pkts[i]
			flags, _ := strconv.ParseUint(strings.TrimPrefix(f[0], "0x"), 16, 16)
			from, to := isn[1], isn[0]
			if p.FromClient {
				from, to = isn[0], isn[1]
			}
			wantAck := "0"
			if p.Flags&tcp.ACK != 0 {
				wantAck = strconv.FormatUint(uint64(p.Ack-to), 10)
			}
			wantSeq := strconv.FormatUint(uint64(p.Seq-from), 10)
			if p.Flags&tcp.RST != 0 && p.Flags&tcp.ACK == 0 && p.Seq == 0 {
				wantSeq = f[1] // a RST answering a SYN carries seq 0, which tshark numbers on its own
			}
			// Checksum status 1 is "good" for both tcp and ip.
			if uint8(flags) != uint8(p.Flags) || f[1] != wantSeq || f[2] != wantAck ||
				f[3] != strconv.Itoa(p.Len) || f[4] != "1" || f[5] != "1" || f[6] != "" {
				t.Errorf("%s packet %d: tshark says %q, emu flags %v seq %s ack %s len %d", name, i, l, p.Flags, wantSeq, wantAck, p.Len)
			}
		}
	}
}
