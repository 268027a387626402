#!/usr/bin/env bash
# run.sh: time and peak memory of one run of many connections.
#
# Runs the many-connections scenario beside this script (a connection every
# millisecond, tw_reuse on, 20-minute horizon) with an emu binary at each
# size, REPS times, and prints per size the least and the median wall time,
# CPU time (user + system) and peak RSS, as /usr/bin/time -v reports them.
# The runs.csv of every repetition must be the same, and is checked.
#
# Needs: GNU time (/usr/bin/time; apt-get install time).
#
# Usage: scripts/bench-many/run.sh [-b EMU] [-r REPS] [-n "SIZES"]
#   -b EMU    the emu binary (default: built from this checkout)
#   -r REPS   repetitions (default 3)
#   -n SIZES  connection counts (default "10000 100000 1000000")
set -euo pipefail

reps=3
sizes="10000 100000 1000000"
bin=
while getopts "b:r:n:h" opt; do
	case $opt in
	b) bin=$OPTARG ;;
	r) reps=$OPTARG ;;
	n) sizes=$OPTARG ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ -x /usr/bin/time ] || {
	echo "run.sh: missing: GNU time (apt-get install time)" >&2
	exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$tmp/emu" ./cmd/emu)
	bin=$tmp/emu
fi

printf '%-9s %-26s %-26s %-26s\n' connections "wall s (min/median)" "cpu s (min/median)" "peak RSS MB (min/median)"
for n in $sizes; do
	: >"$tmp/m"
	for rep in $(seq 1 "$reps"); do
		out=$tmp/out-$n-$rep
		/usr/bin/time -v "$bin" run "$here/many-connections.yaml" --set connections.count="$n" \
			--out "$out" --quiet 2>"$tmp/time"
		awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
			/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 / 1024 }
			END { printf "%.2f %.2f %.1f\n", w, u + s, r }' "$tmp/time" >>"$tmp/m"
		if [ "$rep" -gt 1 ] && ! cmp -s "$tmp/out-$n-1/runs.csv" "$out/runs.csv"; then
			echo "run.sh: repetition $rep of $n connections wrote a different runs.csv" >&2
			exit 1
		fi
	done
	stat() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f / %.2f", v[1], v[int((NR + 1) / 2)] }'; }
	printf '%-9s %-26s %-26s %-26s\n' "$n" "$(cut -d' ' -f1 "$tmp/m" | stat)" "$(cut -d' ' -f2 "$tmp/m" | stat)" "$(cut -d' ' -f3 "$tmp/m" | stat)"
done
