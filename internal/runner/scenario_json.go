package runner

// JSONMembers and JSONList let summary.json be written one point at a
// time (results.ListedJSON): the same bytes as encoding the struct whole,
// without half a gigabyte of JSON in memory for the largest sweeps.

// JSONMembers returns the members before the points, in struct order.
func (r resolvedScenario) JSONMembers() ([]string, []any) {
	return []string{"name", "seed", "runs", "sweep_keys"}, []any{r.Name, r.Seed, r.Runs, r.SweepKeys}
}

// JSONList returns the points.
func (r resolvedScenario) JSONList() (string, int, func(int) any) {
	return "points", len(r.Points), func(i int) any { return r.Points[i] }
}
