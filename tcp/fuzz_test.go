package tcp

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// allowedEdges are the state changes RFC 9293 (and the Linux rules emu
// follows) allow; anything else is a bug.
var allowedEdges = map[[2]State]bool{
	{Closed, SynSent}: true, {Listen, SynReceived}: true,
	{SynSent, Established}: true, {SynSent, SynReceived}: true, {SynSent, Closed}: true,
	{SynReceived, Established}: true, {SynReceived, FinWait1}: true, {SynReceived, Closed}: true,
	{Established, FinWait1}: true, {Established, CloseWait}: true, {Established, Closed}: true,
	{FinWait1, FinWait2}: true, {FinWait1, Closing}: true, {FinWait1, Closed}: true,
	{FinWait2, TimeWait}: true, {FinWait2, Closed}: true,
	{CloseWait, LastAck}: true, {CloseWait, Closed}: true,
	{Closing, TimeWait}: true, {Closing, Closed}: true,
	{LastAck, Closed}: true, {TimeWait, Closed}: true,
}

// edgeObserver fails the fuzz input on a state change outside allowedEdges.
type edgeObserver struct {
	t   *testing.T
	bad string
}

func (o *edgeObserver) Segment(engine.Time, *Endpoint, *Segment, SegmentEvent) {}
func (o *edgeObserver) App(engine.Time, *Host, *Endpoint, AppEvent)            {}
func (o *edgeObserver) TimerGaveUp(engine.Time, *Endpoint, string)             {}
func (o *edgeObserver) State(now engine.Time, e *Endpoint, from, to State) {
	if !allowedEdges[[2]State{from, to}] && o.bad == "" {
		o.bad = from.String() + " -> " + to.String()
	}
}

// checkInvariants looks inside every live endpoint of a host.
func checkInvariants(t *testing.T, h *Host) {
	for _, e := range h.conns.all() {
		if e.state == Closed {
			t.Fatalf("%s: a CLOSED endpoint is still demultiplexed", h.Name)
		}
		if !seqLE(e.sndUna, e.sndNxt) || !seqLE(e.sndNxt, e.sndMax) {
			t.Fatalf("%s %v: snd_una %d, snd_nxt %d, snd_max %d out of order", h.Name, e.state, e.sndUna-e.iss, e.sndNxt-e.iss, e.sndMax-e.iss)
		}
		if e.rcvQueued < 0 || e.rcvQueued > int64(e.cfg.RcvBuf)+int64(e.cfg.MSS)*2 {
			t.Fatalf("%s: %d bytes queued", h.Name, e.rcvQueued)
		}
		if seqGT(e.sndMax, e.writeEnd+1) {
			t.Fatalf("%s: sent beyond what was written and the FIN", h.Name)
		}
	}
}

// FuzzSegmentInput drives an endpoint pair through a teardown for a fuzzed
// while, then injects fuzzed segments into either host, with sequence and
// acknowledgement numbers near the receiver's (so that they reach the deep
// parts of segment processing) or anywhere, running the engine between
// them. No input may panic, hang, move a state along an edge RFC 9293
// does not have, or break the send/receive sequence invariants; an ACK of
// data never sent must not advance snd_una.
func FuzzSegmentInput(f *testing.F) {
	f.Add(uint16(30), []byte{})
	f.Add(uint16(25), []byte{0, 0x11, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Add(uint16(45), []byte{1, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x18, 0, 1, 0, 0, 0, 100, 0, 5})
	f.Add(uint16(300), []byte{0, 0x02, 0xff, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, warmup uint16, data []byte) {
		s := linux()
		s.OrphanRetries, s.Retries2, s.SynRetries = 2, 2, 2
		obs := &edgeObserver{t: t}
		p := newPair(t, 5*time.Millisecond, s, s, uint64(warmup))
		p.client.obs, p.server.obs = obs, obs
		var err error
		if p.sp, err = p.server.Spawn(80, s, ops(opAccept, opRead(1000), opSleep(20*time.Millisecond), opClose)); err != nil {
			t.Fatal(err)
		}
		if p.cp, err = p.client.Spawn(80, s, ops(opConnect, opSend(3000), opSleep(10*time.Millisecond), opClose)); err != nil {
			t.Fatal(err)
		}
		p.sched.Run(engine.Limits{Horizon: engine.Time(time.Duration(warmup) * time.Millisecond / 4), Events: 100000})
		for len(data) >= 10 {
			b := data[:10]
			data = data[10:]
			to, from := p.server, p.client
			if b[0]&1 == 1 {
				to, from = p.client, p.server
			}
			e := to.LastEndpoint()
			if e == nil {
				continue
			}
			seg := Segment{SrcPort: e.remotePort, DstPort: e.localPort, Flags: Flags(b[1] & 0x1f),
				Window: uint32(binary.BigEndian.Uint16(b[6:8])) * 4, Len: int(b[8]) * 8}
			dseq, dack := int32(int16(binary.BigEndian.Uint16(b[2:4]))), int32(int16(binary.BigEndian.Uint16(b[4:6])))
			if b[0]&2 == 0 {
				seg.Seq, seg.Ack = e.rcvNxt+uint32(dseq), e.sndUna+uint32(dack)
			} else {
				seg.Seq, seg.Ack = uint32(dseq)<<16, uint32(dack)<<16
			}
			if seg.Flags&SYN != 0 {
				seg.MSS = uint16(b[9]) * 8
			}
			before, beforeMax := e.sndUna, e.sndMax
			to.Input(&seg)
			if seg.Flags&ACK != 0 && seqGT(seg.Ack, beforeMax) && e.sndUna != before && e.state != Closed {
				t.Fatalf("an ACK of unsent data (ack %d, snd_max %d) moved snd_una", seg.Ack-e.iss, beforeMax-e.iss)
			}
			_ = from
			checkInvariants(t, p.client)
			checkInvariants(t, p.server)
			p.sched.Run(engine.Limits{Horizon: p.sched.Now().Add(time.Duration(b[9]) * time.Millisecond), Events: 100000})
			if obs.bad != "" {
				t.Fatalf("state change %s", obs.bad)
			}
		}
		// Whatever happened, the run must end by itself.
		r := p.sched.Run(engine.Limits{Horizon: engine.Time(time.Hour), Events: 2_000_000})
		if r.Reason == engine.Budget {
			t.Fatalf("the run does not end: %d events", r.Executed)
		}
		checkInvariants(t, p.client)
		checkInvariants(t, p.server)
		if obs.bad != "" {
			t.Fatalf("state change %s", obs.bad)
		}
	})
}
