// Package capture classifies the TCP connections of real packet captures
// with the same classifier as simulated runs ([results.Classify]).
//
// A capture is read packet by packet (pcap with microsecond or nanosecond
// timestamps, pcapng with any number of interfaces; Ethernet with or
// without 802.1Q tags, Linux cooked SLL and SLL2, raw IPv4/IPv6, BSD
// loopback). Each TCP segment is decoded without allocating (gopacket's
// DecodingLayerParser), assigned to its connection by 4-tuple and, unless
// it is a second copy of a segment already seen (the same packet captured
// on two interfaces, or on both hosts), recorded as a [results.Segment]
// at its capture time. Retransmissions are recognised by their sequence
// range and marked, so that close types come from first transmissions.
//
// A connection is classified, handed to the caller and forgotten once it is
// finished (a RST, or both FINs acknowledged) and has then been quiet for
// [QuietPeriod] of capture time, or when a new SYN reuses its 4-tuple;
// those still open at the end of the file are classified then, in the
// order they appeared. Connections therefore come out roughly in the order
// they ended, always the same for the same file. Only the handshake and
// the teardown are kept of each connection (the data phase is counted, not
// kept), at most 1024 segments, so memory is bounded by the connections
// open at once, not by the size of the capture. Reading and decoding run
// one batch of packets ahead, in a goroutine of their own.
//
// TCP options are ignored; IPv6 extension headers and IPv4 fragments
// after the first are not decoded (their packets are skipped).
//
// The wire shows less than a simulation records. The conventions that fill
// the gap: the client is the side that sent the SYN (without a SYN, the
// side with the higher port); a connection is established when the
// handshake completed or, without a SYN, when both sides sent ACKs; a
// timer gave up when a side's last segment was a retransmission and the
// capture went on past the moment its next one was due; TIME_WAIT is held
// by the side that closed first (both after a simultaneous close), and its
// length is not known.
package capture
