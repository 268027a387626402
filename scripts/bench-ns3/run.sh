#!/usr/bin/env bash
# run.sh: compare emu's event scheduler with ns-3's on the hold model.
#
# It builds hold.cc (beside this script) against the installed ns-3 with g++,
# builds emu's engine benchmarks with go, runs both side by side REPS times
# (emu, then each ns-3 scheduler, for each queue size, in turn) and prints,
# per queue size, the min and median cost of an event and the ratio of ns-3's
# best scheduler to emu. Nothing is written outside a temporary directory.
#
# Needs: go, g++, and ns-3's headers and core library (on Debian 12:
# apt-get install g++ libns3-dev).
#
# Usage: scripts/bench-ns3/run.sh [-r REPS] [-n EVENTS] [-q "SIZES"] [-s "SCHEDULERS"] [-m raw|sim]
#   -r REPS        repetitions (default 5)
#   -n EVENTS      timed events per run (default 2000000)
#   -q SIZES       pending-event counts (default "1000 10000 100000")
#   -s SCHEDULERS  ns-3 schedulers (default "PriorityQueue Map Heap Calendar")
#   -m MODE        raw: ns-3's scheduler object alone (default, the yardstick);
#                  sim: through Simulator::Schedule and Simulator::Run
set -euo pipefail

reps=5
events=2000000
sizes="1000 10000 100000"
scheds="PriorityQueue Map Heap Calendar"
mode=raw
while getopts "r:n:q:s:m:h" opt; do
	case $opt in
	r) reps=$OPTARG ;;
	n) events=$OPTARG ;;
	q) sizes=$OPTARG ;;
	s) scheds=$OPTARG ;;
	m) mode=$OPTARG ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

missing=()
command -v go >/dev/null || missing+=("go")
command -v g++ >/dev/null || missing+=("g++ (apt-get install g++)")
[ -f /usr/include/ns3/scheduler.h ] || missing+=("ns-3 headers (apt-get install libns3-dev)")
if [ ${#missing[@]} -gt 0 ]; then
	printf 'run.sh: missing: %s\n' "${missing[@]}" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The ziggurat tables of Go's ExpFloat64, so that hold.cc draws exactly the
# numbers emu's benchmark draws.
exp_go=$(go env GOROOT)/src/math/rand/v2/exp.go
{
	sed -n '/^var ke = \[256\]uint32{/,/^}/p' "$exp_go" |
		sed -e 's/^var ke = \[256\]uint32{/static const uint32_t ke[256] = {/' -e 's/^}$/};/'
	for t in we fe; do
		sed -n "/^var $t = \[256\]float32{/,/^}/p" "$exp_go" |
			sed -e "s/^var $t = \[256\]float32{/static const float $t[256] = {/" -e 's/^}$/};/' \
				-e '/^\t/s/\(^\|[ \t]\)\([0-9][0-9]*\),/\1\2.0,/g' -e '/^\t/s/\([0-9][0-9.e+-]*\)/\1f/g'
	done
} >"$tmp/zigtables.h"
[ "$(grep -c '\[256\]' "$tmp/zigtables.h")" = 3 ] || {
	echo "run.sh: could not read the ziggurat tables from $exp_go" >&2
	exit 1
}

ns3lib=-lns3-core
[ -e /usr/lib/x86_64-linux-gnu/libns3-core.so ] || ns3lib=$(ls /usr/lib/*/libns3*-core*.so 2>/dev/null | head -1)
g++ -O2 -std=c++17 -I"$tmp" "$here/hold.cc" -o "$tmp/hold" $ns3lib
(cd "$root" && go test -c -o "$tmp/engine.test" ./engine/)

warmup() { # as holdWarmup in engine/bench_test.go
	local q=$1
	if [ $((10 * q)) -gt 1000000 ]; then echo $((10 * q)); else echo 1000000; fi
}

res="$tmp/results" # lines: q impl rep wall_ns cpu_ns end
: >"$res"
for rep in $(seq 1 "$reps"); do
	for q in $sizes; do
		"$tmp/engine.test" -test.run '^$' -test.bench "^BenchmarkHold\$/^q=$q\$" \
			-test.benchtime="${events}x" -test.count=1 |
			awk -v q="$q" -v rep="$rep" '/^BenchmarkHold\// {
				for (i = 2; i <= NF; i++) {
					if ($i == "ns/op") w = $(i-1)
					if ($i == "cpu-ns/op") c = $(i-1)
					if ($i == "end-ns") e = $(i-1)
				}
				print q, "emu", rep, w, (c == "" ? w : c), e }' >>"$res"
		for s in $scheds; do
			"$tmp/hold" "$q" "$(warmup "$q")" "$events" "$mode" "$s" |
				awk -v q="$q" -v rep="$rep" -v impl="ns3-$s" '{
					for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
					print q, impl, rep, v["ns_per_event"], v["cpu_ns_per_event"], v["end"] }' >>"$res"
		done
	done
	echo "rep $rep of $reps done" >&2
done

# Both programs must have run the same events: the same time of the last one.
bad=$(awk '$2 == "emu" { e[$1] = $6 } $2 != "emu" { o[$1] = $6 }
	END { for (q in e) if ((q in o) && sprintf("%.0f", e[q]) != sprintf("%.0f", o[q])) print q }' "$res")
if [ -n "$bad" ]; then
	echo "run.sh: emu and ns-3 ran different events at q=$bad" >&2
	exit 1
fi

echo "hold model, $events timed events after warm-up, $reps reps, ns-3 mode $mode"
echo "cost of one event in ns (CPU time of the running thread; wall time in brackets), min / median"
printf '%-8s %-18s %22s %22s\n' pending scheduler min median
for q in $sizes; do
	for impl in emu $(for s in $scheds; do echo "ns3-$s"; done); do
		awk -v q="$q" -v impl="$impl" '$1 == q && $2 == impl { print $5, $4 }' "$res" | sort -g >"$tmp/col"
		n=$(wc -l <"$tmp/col")
		[ "$n" -gt 0 ] || continue
		min=$(head -1 "$tmp/col")
		med=$(sed -n "$(((n + 1) / 2))p" "$tmp/col")
		printf '%-8s %-18s %22s %22s\n' "$q" "$impl" \
			"$(echo "$min" | awk '{printf "%.1f [%.1f]", $1, $2}')" \
			"$(echo "$med" | awk '{printf "%.1f [%.1f]", $1, $2}')"
		echo "$q $impl $(echo "$med" | cut -d' ' -f1)" >>"$tmp/medians"
	done
done
echo
echo "ratio: median cost on ns-3's best scheduler / median cost on emu (above 1: emu faster)"
for q in $sizes; do
	awk -v q="$q" '$1 == q && $2 == "emu" { e = $3 }
		$1 == q && $2 != "emu" && (b == "" || $3 < b) { b = $3; bn = $2 }
		END { if (e != "" && b != "") printf "q=%-7s emu %.1f ns, %s %.1f ns: %.2fx\n", q, e, substr(bn, 5), b, b / e }' "$tmp/medians"
done
