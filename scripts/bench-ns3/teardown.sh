#!/usr/bin/env bash
# teardown.sh: peak memory and time of emu and ns-3 on one run of many
# short connections.
#
# Builds teardown.cc (beside this script) against the installed ns-3 and
# emu from this checkout, then runs the same workload on both: COUNT
# connections, one a millisecond, 100 bytes each way, the client closing
# first (so every connection holds TIME_WAIT for 60 s), 20 minutes of
# simulated time (emu: scripts/bench-many/many-connections.yaml). It
# prints each one's CPU time and peak RSS (GNU time) and emu's peak RSS over
# ns-3's.
#
# Needs: go, g++, GNU time, ns-3's headers and libraries (on Debian 12:
# apt-get install g++ time libns3-dev).
#
# Usage: scripts/bench-ns3/teardown.sh [-n COUNT] [-r REPS] [-b EMU]
#   -n COUNT  connections (default 10000)
#   -r REPS   repetitions; the least of each figure is kept (default 1)
#   -b EMU    an emu binary to use instead of building one
set -euo pipefail

count=10000
reps=1
bin=
while getopts "n:r:b:h" opt; do
	case $opt in
	n) count=$OPTARG ;;
	r) reps=$OPTARG ;;
	b) bin=$OPTARG ;;
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
[ -x /usr/bin/time ] || missing+=("GNU time (apt-get install time)")
[ -f /usr/include/ns3/tcp-socket-base.h ] || missing+=("ns-3 headers (apt-get install libns3-dev)")
if [ ${#missing[@]} -gt 0 ]; then
	printf 'teardown.sh: missing: %s\n' "${missing[@]}" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -O2 -std=c++17 "$here/teardown.cc" -o "$tmp/teardown" \
	-lns3-core -lns3-network -lns3-internet -lns3-point-to-point
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$tmp/emu" ./cmd/emu)
	bin=$tmp/emu
fi

# measure LABEL CMD...: appends "LABEL cpu_s peak_mb" to $tmp/m.
measure() {
	local label=$1
	shift
	/usr/bin/time -v "$@" >"$tmp/stdout" 2>"$tmp/time"
	awk -F': ' -v l="$label" '/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 / 1024 }
		END { printf "%s %.2f %.1f\n", l, u + s, r }' "$tmp/time" >>"$tmp/m"
}

: >"$tmp/m"
for rep in $(seq 1 "$reps"); do
	measure ns3 "$tmp/teardown" "$count" 1000 1200
	if ! grep -q "started=$count accepted=$count client_closed=$count server_closed=$count " "$tmp/stdout"; then
		echo "teardown.sh: ns-3 did not run every connection to its end: $(cat "$tmp/stdout")" >&2
		exit 1
	fi
	measure emu "$bin" run "$root/scripts/bench-many/many-connections.yaml" \
		--set connections.count="$count" --out "$tmp/emu-out" --quiet
	if ! awk -F, -v n="$count" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR == 2 { exit !($c["connections"] == n && $c["connections_failed"] == 0 && $c["connections_three_way"] + $c["connections_four_way"] == n) }' \
		"$tmp/emu-out/runs.csv"; then
		echo "teardown.sh: emu did not run every connection to its end" >&2
		exit 1
	fi
done

echo "$count connections, one a millisecond, 100 B each way, client closes first; least of $reps"
awk '{ if (!($1 in c) || $2 < c[$1]) c[$1] = $2; if (!($1 in r) || $3 < r[$1]) r[$1] = $3 }
	END {
		printf "%-5s %10s %14s\n", "", "cpu s", "peak RSS MB"
		printf "%-5s %10.2f %14.1f\n", "ns-3", c["ns3"], r["ns3"]
		printf "%-5s %10.2f %14.1f\n", "emu", c["emu"], r["emu"]
		printf "emu / ns-3: peak RSS %.3f, cpu %.4f\n", r["emu"] / r["ns3"], c["emu"] / c["ns3"]
	}' "$tmp/m"
