#!/bin/sh
# Makes the real captures in this folder (see README.md). Needs root, ip, tc,
# iptables, tcpdump, dumpcap and python3. Everything happens inside three
# network namespaces of its own (emucap-cl, emucap-mid, emucap-sv), which are
# deleted at the end; addresses are 10.200.x.y and fd00::/64 inside them only.
#
#   client ns emucap-cl            middle ns emucap-mid            server ns emucap-sv
#   cl0 10.200.1.1, fd00::1  ----  m0 ] bridge br0 [ m1  ----  sv0 10.200.1.2, fd00::2
#
# The kernel these were made on has no 802.1Q support (no vlan interfaces,
# no tc vlan action), so vlan.pcap is a real capture with a tag inserted
# afterwards by gen/vlanize.py.
set -eu
cd "$(dirname "$0")"
PEER="python3 $(pwd)/gen/peer.py"
CL="ip netns exec emucap-cl"
MID="ip netns exec emucap-mid"
SV="ip netns exec emucap-sv"

cleanup() {
	for n in emucap-cl emucap-mid emucap-sv; do ip netns del $n 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
for n in emucap-cl emucap-mid emucap-sv; do ip netns add $n; ip -n $n link set lo up; done
ip link add cl0 netns emucap-cl type veth peer name m0 netns emucap-mid
ip link add sv0 netns emucap-sv type veth peer name m1 netns emucap-mid
$MID ip link add br0 type bridge
for i in m0 m1; do $MID ip link set $i master br0; $MID ip link set $i up; done
$MID ip link set br0 up
$CL ip addr add 10.200.1.1/24 dev cl0
$SV ip addr add 10.200.1.2/24 dev sv0
$CL ip addr add fd00::1/64 dev cl0 nodad
$SV ip addr add fd00::2/64 dev sv0 nodad
$CL ip link set cl0 up
$SV ip link set sv0 up
sleep 1

# capture NS IFACE FILE [tcpdump options...]: start tcpdump in the
# background on TCP only, and wait until it says it is listening.
capture() {
	ns=$1 ifc=$2 file=$3
	shift 3
	rm -f /tmp/emucap-tcpdump.log
	ip netns exec "$ns" tcpdump --immediate-mode -U -i "$ifc" -w "$file" "$@" tcp 2>/tmp/emucap-tcpdump.log &
	CAP=$!
	ready "listening on"
}
# ready TEXT: wait (at most 10 s) until the capture's log says TEXT.
ready() {
	n=0
	until grep -q "$1" /tmp/emucap-tcpdump.log 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "capture did not start" >&2; exit 1; }
	done
	sleep 0.2
}
stop() { sleep 1; kill -INT "$CAP"; wait "$CAP" || true; }

# pair ADDR PORT MODE [COUNT [LPORT]]: one server, COUNT clients, in turn.
pair() {
	addr=$1 port=$2 mode=$3 count=${4:-1} lport=${5:-0}
	server "$addr" "$port" "$mode" "$count"
	i=0
	while [ $i -lt "$count" ]; do
		$CL $PEER client "$addr" "$port" "$mode" "$lport" >/dev/null
		i=$((i + 1))
		[ $i -lt "$count" ] && sleep 0.2
	done
	wait $SRV
}
# server ADDR PORT MODE COUNT: start a server, wait until it listens.
server() {
	rm -f /tmp/emucap-server.log
	$SV $PEER server "$@" >/tmp/emucap-server.log &
	SRV=$!
	until grep -q listening /tmp/emucap-server.log 2>/dev/null; do sleep 0.05; done
}

three_way() {
	capture emucap-cl cl0 three-way.pcap
	pair 10.200.1.2 5001 three-way
	stop
}

four_way() {
	capture emucap-cl cl0 four-way.pcap
	pair 10.200.1.2 5002 four-way
	stop
}

rst() {
	capture emucap-cl cl0 rst.pcap
	pair 10.200.1.2 5003 rst
	stop
}

fin_rst() {
	capture emucap-cl cl0 fin-rst.pcap
	pair 10.200.1.2 5004 fin-rst
	stop
}

# Simultaneous: each host drops the first FIN that reaches it (this kernel
# has no netem to delay them), so each side's FIN leaves before the other's
# has been received; the retransmitted FINs then complete the close.
simultaneous() {
	$CL iptables -A INPUT -p tcp --sport 5005 --tcp-flags FIN FIN -m statistic --mode nth --every 1000 --packet 0 -j DROP
	$SV iptables -A INPUT -p tcp --dport 5005 --tcp-flags FIN FIN -m statistic --mode nth --every 1000 --packet 0 -j DROP
	capture emucap-cl cl0 simultaneous.pcap
	pair 10.200.1.2 5005 simul
	stop
	$CL iptables -F INPUT
	$SV iptables -F INPUT
}

no_connect() {
	capture emucap-cl cl0 no-connect.pcap
	$CL $PEER client 10.200.1.2 5006 refused >/dev/null
	stop
}

# The server's host drops the first FIN that reaches it: the client
# retransmits it.
fin_retransmit() {
	$SV iptables -A INPUT -p tcp --dport 5007 --tcp-flags FIN FIN -m statistic --mode nth --every 2 --packet 0 -j DROP
	capture emucap-cl cl0 fin-retransmit.pcap
	pair 10.200.1.2 5007 three-way
	stop
	$SV iptables -F INPUT
}

ipv6() {
	capture emucap-cl cl0 ipv6.pcap
	pair fd00::2 5008 three-way
	pair fd00::2 5008 four-way
	stop
}

# tcpdump -i any: LINKTYPE_LINUX_SLL2 (and SLL with -y LINUX_SLL).
sll() {
	capture emucap-cl any sll2.pcap
	pair 10.200.1.2 5009 four-way
	pair 10.200.1.2 5009 rst
	stop
	capture emucap-cl any sll.pcap -y LINUX_SLL
	pair 10.200.1.2 5009 three-way
	stop
}

# 802.1Q: a capture with VLAN 100 tags inserted afterwards (see above).
vlan() {
	capture emucap-cl cl0 vlan-untagged.pcap
	pair 10.200.1.2 5010 three-way
	pair 10.200.1.2 5010 fin-rst
	stop
	python3 gen/vlanize.py vlan-untagged.pcap vlan.pcap 100
	rm vlan-untagged.pcap
}

# pcapng, two interfaces: both bridge ports in the middle, so every segment
# is in the file twice.
two_interfaces() {
	rm -f /tmp/emucap-tcpdump.log
	$MID dumpcap -i m0 -i m1 -f tcp -w "$(pwd)/two-interfaces.pcapng" 2>/tmp/emucap-tcpdump.log &
	CAP=$!
	ready "Capturing on"
	pair 10.200.1.2 5011 four-way
	pair 10.200.1.2 5011 three-way
	stop
}

# A client port reused: two connections on one 4-tuple, the server closing
# first (TIME_WAIT on the server, which accepts the new SYN).
port_reuse() {
	capture emucap-cl cl0 port-reuse.pcap
	pair 10.200.1.2 5012 server-first 2 40000
	stop
}

# The capture starts after the handshake: no SYN in the file.
no_syn() {
	server 10.200.1.2 5013 idle 1
	$CL $PEER client 10.200.1.2 5013 idle >/dev/null &
	cli=$!
	sleep 0.3
	capture emucap-cl cl0 no-syn.pcap
	wait $cli $SRV
	stop
}

# Snap length 40: Ethernet and IPv4 headers, then 6 bytes of TCP.
snap40() {
	capture emucap-cl cl0 snap40.pcap -s 40
	pair 10.200.1.2 5014 three-way
	stop
}

# Timeout: after the data, the server's host drops everything of the
# connection both ways; the client closes, its FIN is never acknowledged,
# and with tcp_orphan_retries = 1 (in the client's namespace only) it gives
# up after a few retransmissions and falls silent. A three-way connection
# on port 5016 follows 5 s later.
timer_gives_up() {
	$CL sysctl -qw net.ipv4.tcp_orphan_retries=1
	capture emucap-cl cl0 timeout.pcap
	server 10.200.1.2 5015 timeout 1
	$CL $PEER client 10.200.1.2 5015 timeout >/dev/null &
	cli=$!
	sleep 0.5
	$SV iptables -A INPUT -p tcp --dport 5015 -j DROP
	$SV iptables -A OUTPUT -p tcp --sport 5015 -j DROP
	wait $cli
	sleep 5
	# A pcap has no end time but its last packet: another connection later
	# shows that the capture went on after the client fell silent.
	pair 10.200.1.2 5016 three-way
	stop
	wait $SRV
	$SV iptables -F INPUT
	$SV iptables -F OUTPUT
}

# ./make.sh [CASE...]: the cases named, or all (which remakes every file, so
# that the expectations of captures_test.go must be written again).
for c in ${@:-three_way four_way rst fin_rst simultaneous no_connect fin_retransmit ipv6 sll vlan two_interfaces port_reuse no_syn snap40 timer_gives_up}; do
	$c
done

ls -l *.pcap *.pcapng
