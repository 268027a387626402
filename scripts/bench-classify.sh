#!/bin/sh
# Times `emu classify` against `tcptrace -n -q` on one synthetic capture of
# about 425 000 packets (55 600 short connections, one every 100 µs), and
# measures emu's peak memory on captures of 100 000 and 1 000 000
# connections. Needs tcptrace (apt-get install tcptrace) and GNU time.
#
#   scripts/bench-classify.sh [WORKDIR]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
go build -o "$dir/emu" ./cmd/emu
go build -o "$dir/gencapture" ./scripts/gencapture

"$dir/gencapture" -n 55600 -o "$dir/bench.pcap"
ls -l "$dir/bench.pcap"

# wall SECONDS and peak RSS KB of a command, best of three runs.
measure() {
	best=""
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" >/dev/null 2>&1
		t=$(cut -d' ' -f1 "$dir/time.txt")
		m=$(cut -d' ' -f2 "$dir/time.txt")
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; mem=$m; fi
	done
	echo "$best $mem"
}

set -- $(measure tcptrace -n -q "$dir/bench.pcap")
tt=$1 tm=$2
set -- $(measure "$dir/emu" classify --quiet --out "$dir/out" "$dir/bench.pcap")
et=$1 em=$2
echo "tcptrace -n -q:  ${tt} s, ${tm} KB peak"
echo "emu classify:    ${et} s, ${em} KB peak"
echo "emu / tcptrace:  $(echo "scale=2; $et / $tt" | bc) (target <= 0.67)"

for n in 100000 1000000; do
	"$dir/gencapture" -n $n -o "$dir/m$n.pcap" >/dev/null
	set -- $(measure "$dir/emu" classify --quiet --out "$dir/out$n" "$dir/m$n.pcap")
	echo "emu classify, $n connections ($(du -m "$dir/m$n.pcap" | cut -f1) MB): ${1} s, ${2} KB peak"
	rm -f "$dir/m$n.pcap"
done
