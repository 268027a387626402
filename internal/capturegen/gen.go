// Package capturegen writes synthetic packet captures of many short TCP
// connections with a known mix of close types, for benchmarking `emu
// classify` against other tools and for checking that its memory does not
// grow with the length of a capture.
//
// Frames are built by hand (Ethernet, IPv4 with a valid header checksum,
// TCP with a valid checksum, zero-filled payload), which is several times
// faster than serialising layers and matters for captures of millions of
// packets.
package capturegen

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Kind is the close type a synthetic connection is written with.
type Kind int

// The kinds, in the order of the contract's close types that they produce.
const (
	ThreeWay Kind = iota
	FourWay
	RST
	FinRST
	NoConnect
	NumKinds
)

// KindOf returns the kind of connection i: of every 20 connections, 10 are
// three-way, 5 four-way, 2 rst, 2 fin-rst and 1 no-connect.
func KindOf(i int) Kind {
	switch r := i % 20; {
	case r < 10:
		return ThreeWay
	case r < 15:
		return FourWay
	case r < 17:
		return RST
	case r < 19:
		return FinRST
	}
	return NoConnect
}

// Count returns how many of the first n connections are of kind k.
func Count(n int, k Kind) int {
	c := 0
	for r := 0; r < 20; r++ {
		if KindOf(r) == k {
			c += n / 20
			if r < n%20 {
				c++
			}
		}
	}
	return c
}

// step is one segment of a connection's script: its time after the
// connection's start, its sender and flags, and its payload length.
type step struct {
	at         time.Duration
	fromClient bool
	flags      uint8
	len        int
}

// TCP flag bits as in the header.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

// scripts holds each kind's segments; sequence and acknowledgement numbers
// follow from them.
var scripts = [NumKinds][]step{
	ThreeWay: {{0, true, fSYN, 0}, {100 * us, false, fSYN | fACK, 0}, {200 * us, true, fACK, 0},
		{300 * us, true, fPSH | fACK, 100}, {400 * us, false, fACK, 0}, {500 * us, true, fFIN | fACK, 0},
		{5 * ms, false, fFIN | fACK, 0}, {5*ms + 100*us, true, fACK, 0}},
	FourWay: {{0, true, fSYN, 0}, {100 * us, false, fSYN | fACK, 0}, {200 * us, true, fACK, 0},
		{300 * us, true, fPSH | fACK, 100}, {400 * us, false, fACK, 0}, {500 * us, true, fFIN | fACK, 0},
		{40 * ms, false, fACK, 0}, {60 * ms, false, fFIN | fACK, 0}, {60*ms + 100*us, true, fACK, 0}},
	RST: {{0, true, fSYN, 0}, {100 * us, false, fSYN | fACK, 0}, {200 * us, true, fACK, 0},
		{300 * us, true, fPSH | fACK, 100}, {400 * us, false, fACK, 0}, {20 * ms, false, fRST | fACK, 0}},
	FinRST: {{0, true, fSYN, 0}, {100 * us, false, fSYN | fACK, 0}, {200 * us, true, fACK, 0},
		{300 * us, false, fFIN | fACK, 0}, {400 * us, true, fACK, 0}, {20 * ms, true, fPSH | fACK, 100},
		{20*ms + 100*us, false, fRST, 0}},
	NoConnect: {{0, true, fSYN, 0}, {100 * us, false, fRST | fACK, 0}},
}

const (
	us = time.Microsecond
	ms = time.Millisecond
)

// Options describe a synthetic capture.
type Options struct {
	Connections int           // how many connections
	Every       time.Duration // a new connection starts this often (default 100 µs)
}

// conn is a connection being written.
type conn struct {
	i        int
	start    time.Duration
	next     int       // index of its next step
	seq      [2]uint32 // next sequence number of the client (0) and server (1)
	id       [2]uint16 // next IP identification of each side
	clientIP [4]byte
	port     uint16
}

func (c *conn) at() time.Duration { return c.start + scripts[KindOf(c.i)][c.next].at }

// pending orders connections by the time of their next segment.
type pending []*conn

func (p pending) Len() int { return len(p) }
func (p pending) Less(i, j int) bool {
	if a, b := p[i].at(), p[j].at(); a != b {
		return a < b
	}
	return p[i].i < p[j].i
}
func (p pending) Swap(i, j int) { p[i], p[j] = p[j], p[i] }
func (p *pending) Push(x any)   { *p = append(*p, x.(*conn)) }
func (p *pending) Pop() any {
	old := *p
	c := old[len(old)-1]
	*p = old[:len(old)-1]
	return c
}

// serverIP and serverPort are the one server every connection goes to.
var serverIP = [4]byte{10, 0, 0, 1}

const serverPort = 80

// epoch is the capture's first timestamp, a fixed date so that files are
// reproducible.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Write writes the capture as a pcap (Ethernet, microsecond timestamps,
// as tcpdump writes by default) and returns the number of packets.
func Write(w io.Writer, opt Options) (int64, error) {
	if opt.Every <= 0 {
		opt.Every = 100 * us
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return 0, fmt.Errorf("capturegen: %w", err)
	}
	var q pending
	started := 0
	var packets int64
	frame := make([]byte, 0, 256)
	for started < opt.Connections || len(q) > 0 {
		// Start every connection due before the next pending segment.
		for started < opt.Connections && (len(q) == 0 || time.Duration(started)*opt.Every <= q[0].at()) {
			i := started
			// Client addresses 10.1.0.0 upwards, 50000 ports each, so that
			// 4-tuples never repeat.
			host := i / 50000
			c := &conn{i: i, start: time.Duration(i) * opt.Every,
				clientIP: [4]byte{10, 1, byte(host >> 8), byte(host)}, port: uint16(10000 + i%50000),
				seq: [2]uint32{uint32(i) * 7919, uint32(i) * 104729}}
			heap.Push(&q, c)
			started++
		}
		c := heap.Pop(&q).(*conn)
		st := scripts[KindOf(c.i)][c.next]
		frame = c.frame(frame[:0], st)
		ts := epoch.Add(c.at())
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			return packets, fmt.Errorf("capturegen: %w", err)
		}
		packets++
		c.next++
		if c.next < len(scripts[KindOf(c.i)]) {
			heap.Push(&q, c)
		}
	}
	if err := bw.Flush(); err != nil {
		return packets, fmt.Errorf("capturegen: %w", err)
	}
	return packets, nil
}

// frame appends the Ethernet frame of step st of c to b and advances c's
// sequence numbers.
func (c *conn) frame(b []byte, st step) []byte {
	s, p := 0, 1
	src, dst := c.clientIP, serverIP
	sport, dport := c.port, uint16(serverPort)
	if !st.fromClient {
		s, p = 1, 0
		src, dst = dst, src
		sport, dport = dport, sport
	}
	var ack uint32
	if st.flags&fACK != 0 {
		ack = c.seq[p]
	}
	seq := c.seq[s]
	if st.flags&fRST != 0 && st.flags&fACK == 0 {
		ack = 0
	}
	// Ethernet
	b = append(b, 2, 0, 0, 0, 0, byte(p+1), 2, 0, 0, 0, 0, byte(s+1), 0x08, 0x00)
	// IPv4
	ipStart := len(b)
	total := 20 + 20 + st.len
	b = append(b, 0x45, 0, byte(total>>8), byte(total), byte(c.id[s]>>8), byte(c.id[s]), 0x40, 0, 64, 6, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ipStart+10:], checksum(b[ipStart:ipStart+20], 0))
	c.id[s]++
	// TCP
	tcpStart := len(b)
	b = binary.BigEndian.AppendUint16(b, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, st.flags, 0xff, 0xff, 0, 0, 0, 0)
	for range st.len {
		b = append(b, 0)
	}
	pseudo := uint32(src[0])<<8 | uint32(src[1])
	pseudo += uint32(src[2])<<8 | uint32(src[3])
	pseudo += uint32(dst[0])<<8 | uint32(dst[1])
	pseudo += uint32(dst[2])<<8 | uint32(dst[3])
	pseudo += 6 + uint32(20+st.len)
	binary.BigEndian.PutUint16(b[tcpStart+16:], checksum(b[tcpStart:], pseudo))
	// Sequence space used.
	n := uint32(st.len)
	if st.flags&(fSYN|fFIN) != 0 {
		n++
	}
	c.seq[s] += n
	return b
}

// checksum is the Internet checksum of b with an initial sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
