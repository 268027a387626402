package tcp

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/emu-sim/emu/engine"
)

// Client and server programs FuzzSegmentScripts chooses from: each drives
// the pair through a different teardown (four-way, half-close, abort,
// crash, bulk data, passive side closing first, RST on unread data,
// simultaneous close), so that fuzzed segments meet every state.
var (
	fuzzClientScripts = [][]Op{
		ops(opConnect, opSend(3000), opSleep(10*time.Millisecond), opClose),
		ops(opConnect, opSend(100), opShutdown(ShutWrite), opReadEOF, opClose),
		ops(opConnect, opSend(500), Op{Kind: OpAbort}),
		ops(opConnect, opSend(2000), opSleep(5*time.Millisecond), Op{Kind: OpCrash}),
		ops(opConnect, opSend(100000), opClose),
		ops(opConnect, opReadEOF, opClose),
		ops(opConnect, opSetLinger(time.Second), opSend(1000), opClose),
		ops(opConnect, opSleep(20*time.Millisecond), opClose),
	}
	fuzzServerScripts = [][]Op{
		ops(opAccept, opRead(1000), opSleep(20*time.Millisecond), opClose),
		ops(opAccept, opReadEOF, opClose),
		ops(opAccept, opSleep(2*time.Millisecond), opClose),
		ops(opAccept, opSend(2000), opClose),
		ops(opAccept, opSetQuickAck(true), opReadEOF, opSleep(41*time.Millisecond), opClose),
		ops(opAccept, opSleep(time.Second), Op{Kind: OpCrash}),
		ops(opAccept, opSleep(20*time.Millisecond), opClose),
		ops(opAccept, opShutdown(ShutRead), opSend(5000), opShutdown(ShutWrite), opSleep(time.Second), opClose),
	}
	fuzzProfiles = []string{"linux", "freebsd", "windows", "rfc9293"}
)

// FuzzSegmentScripts widens FuzzSegmentInput: the fuzzer also picks the
// programs of both sides, the profile (with or without its timer tick),
// the link delay and the seed, and a segment may come from a port no
// connection uses, so that it meets the listener (a SYN opens a second
// connection in SYN_RECEIVED) or a closed port (RST). The invariants are
// FuzzSegmentInput's: no panic, snd_una <= snd_nxt <= snd_max, an ACK of
// data never sent does not move snd_una, receive queues within bounds,
// state changes only along allowedEdges, and the run ends by itself.
func FuzzSegmentScripts(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(5), uint16(30), uint64(1), []byte{})
	f.Add(uint8(0x11), uint8(1), uint8(1), uint16(80), uint64(2), []byte{0, 0x11, 0, 0, 0, 1, 0, 0, 0, 0, 0})
	f.Add(uint8(0x23), uint8(2), uint8(10), uint16(45), uint64(3), []byte{4, 0x02, 0, 0, 0, 0, 1, 0, 0, 5, 0x40})
	f.Add(uint8(0x47), uint8(7), uint8(0), uint16(900), uint64(4), []byte{1, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Add(uint8(0x56), uint8(3), uint8(20), uint16(2000), uint64(5), []byte{0, 0x18, 0, 1, 0, 0, 0, 100, 5, 0, 0})
	f.Fuzz(func(t *testing.T, script, prof, delay uint8, warmup uint16, seed uint64, data []byte) {
		s := profile(fuzzProfiles[prof&3])
		if prof&4 != 0 {
			s, _ = Profile(fuzzProfiles[prof&3])
		}
		s.OrphanRetries, s.Retries2, s.SynRetries = 2, 2, 2
		obs := &edgeObserver{t: t}
		p := newPair(t, time.Duration(delay%50)*time.Millisecond+50*time.Microsecond, s, s, seed)
		p.client.obs, p.server.obs = obs, obs
		var err error
		if p.sp, err = p.server.Spawn(80, s, fuzzServerScripts[script>>4&7]); err != nil {
			t.Fatal(err)
		}
		if p.cp, err = p.client.Spawn(80, s, fuzzClientScripts[script&7]); err != nil {
			t.Fatal(err)
		}
		p.sched.Run(engine.Limits{Horizon: engine.Time(time.Duration(warmup) * time.Millisecond / 4), Events: 200000})
		for len(data) >= 11 {
			b := data[:11]
			data = data[11:]
			to := p.server
			if b[0]&1 == 1 {
				to = p.client
			}
			e := to.LastEndpoint()
			seg := Segment{Flags: Flags(b[1] & 0x1f), Window: uint32(binary.BigEndian.Uint16(b[6:8])) * 4, Len: int(b[8]) * 8}
			dseq, dack := int32(int16(binary.BigEndian.Uint16(b[2:4]))), int32(int16(binary.BigEndian.Uint16(b[4:6])))
			var before, beforeMax uint32
			switch {
			case b[0]&4 != 0 || e == nil:
				// A port no connection uses: the listener (server, port
				// 80) or nothing (client).
				seg.SrcPort, seg.DstPort = 40000+uint16(b[10]), 80
				if to == p.client {
					seg.DstPort = 30000 + uint16(b[10])
				}
				seg.Seq, seg.Ack = uint32(dseq)<<16|uint32(b[10]), uint32(dack)<<16
				e = nil
			case b[0]&2 == 0:
				seg.SrcPort, seg.DstPort = e.remotePort, e.localPort
				seg.Seq, seg.Ack = e.rcvNxt+uint32(dseq), e.sndUna+uint32(dack)
			default:
				seg.SrcPort, seg.DstPort = e.remotePort, e.localPort
				seg.Seq, seg.Ack = uint32(dseq)<<16, uint32(dack)<<16
			}
			if seg.Flags&SYN != 0 {
				seg.MSS = uint16(b[10]) * 8
			}
			if e != nil {
				before, beforeMax = e.sndUna, e.sndMax
			}
			to.Input(&seg)
			if e != nil && seg.Flags&ACK != 0 && seqGT(seg.Ack, beforeMax) && e.sndUna != before && e.state != Closed {
				t.Fatalf("an ACK of unsent data (ack %d, snd_max %d) moved snd_una", seg.Ack-e.iss, beforeMax-e.iss)
			}
			checkInvariants(t, p.client)
			checkInvariants(t, p.server)
			if obs.bad != "" {
				t.Fatalf("state change %s", obs.bad)
			}
			p.sched.Run(engine.Limits{Horizon: p.sched.Now().Add(time.Duration(b[9]) * time.Millisecond), Events: 200000})
			if obs.bad != "" {
				t.Fatalf("state change %s", obs.bad)
			}
		}
		r := p.sched.Run(engine.Limits{Horizon: engine.Time(2 * time.Hour), Events: 2_000_000})
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
