package scenarios

import "strings"

// fixedColumns are the columns runs.csv and summary.csv always have (and
// those later columns emu adds); a swept var of the same name would give a
// file two columns of one name.
var fixedColumns = map[string]bool{
	"point": true, "run": true, "runs": true, "seed": true,
	"close_type": true, "first_closer": true, "teardown_segments": true, "teardown_ms": true,
	"time_wait_side": true, "time_wait_ms": true, "retransmits": true, "rst_from": true,
	"client_error": true, "server_error": true,
	"client_bytes_sent": true, "server_bytes_received": true, "server_bytes_sent": true, "client_bytes_received": true,
	"connections": true, "connections_failed": true, "peak_time_wait": true,
	"client_exit": true, "server_exit": true,
}

// columnPrefixes and columnSuffixes name the families of columns: the
// per-close-type counts and intervals of summary.csv, the per-type
// connection counts of runs.csv, and the means and quantiles of summary.csv.
var (
	columnPrefixes = []string{"n_", "frac_", "ci_lo_", "ci_hi_", "connections_", "teardown_ms_", "time_wait_ms_"}
	columnSuffixes = []string{"_mean"}
)

// reservedColumn reports whether a var named name would collide with a
// column emu writes.
func reservedColumn(name string) bool {
	if fixedColumns[name] {
		return true
	}
	for _, p := range columnPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, s := range columnSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// unsweepable are top-level keys that hold for the whole sweep: a sweep of
// them would use point 0's value only.
var unsweepable = map[string]string{
	"runs": "runs applies to every point; use --runs, or one file per value",
	"seed": "seed applies to every point (each run's seed is derived from it); use --seed, or one file per value",
	"name": "name names the whole sweep and its output folder",
}
