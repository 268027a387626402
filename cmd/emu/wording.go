package main

import "strconv"

// count writes n with its noun in the singular or the plural, as people
// write them: "1 point", "3 points", "0 runs".
func count[T ~int | ~int64](n T, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}

// indexRange says which 0-based indices exist: "the sweep has points 0
// to 14", or "the sweep has only point 0".
func indexRange(has string, n int, noun string) string {
	if n == 1 {
		return has + " only " + noun + " 0"
	}
	return has + " " + noun + "s 0 to " + strconv.Itoa(n-1)
}
