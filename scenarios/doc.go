// Package scenarios loads, checks, resolves and sweeps scenario files (the
// YAML schema of the user contract), and holds emu's built-in examples.
//
// A file is parsed into a yaml.Node tree so that every problem is reported
// as file:line:col, and all problems of a file are reported together (an
// ErrorList, in file order). Each sweep point is resolved from a copy of
// the tree: sweep values and --set overrides replace nodes (keeping the
// position where the value was written), ${var} references are
// substituted, and the result is decoded into a RunConfig with every
// default filled in. Load resolves the base point and every sweep value
// once, so that a bad value is reported before anything runs, at the line
// it came from (a swept value: at its sweep entry).
//
// # Beyond the contract
//
// The schema is the contract's, extended where it is silent:
//
//   - max_events: the event budget of one run (default 10 000 000), a
//     guard against a run that never ends.
//   - client.profile, server.profile: a side's own TCP profile; its tcp:
//     overrides apply on top of it. Sweepable ("server.profile").
//   - client.host, server.host: Linux host settings, port_range
//     ("32768-60999"), tw_reuse (0, 1, 2) and max_tw_buckets.
//   - connections: an integer, or {count, every, arrivals: fixed|poisson,
//     sample}; poisson needs every (the mean gap); sample is the states.csv
//     interval (default 1s, at least 1ms).
//   - link: reorder (bool); jitter also takes dist: fixed with value:; a
//     scalar jitter of 0 means none; loss {model: bernoulli|gilbert-elliott,
//     p, r, bad_loss (default 1), good_loss (default 0)}; forward: and
//     reverse: take every link key except themselves.
//   - tcp: every setting of tcp.SettingNames, including delack_mode,
//     ack_every and unread_close, which the contract does not list.
//   - do: a client may sleep or set options before connect; a server starts
//     with accept. send and read sizes are more than 0 bytes. set: linger
//     takes a duration, off or false.
//   - Booleans: true/false, yes/no, on/off.
//   - sweep: ranges count down with a negative step ({from: 20ms, to: 0ms,
//     step: -5ms}); a duration range prints its values in the largest unit
//     in which from and step are whole (1s by 250ms: 1000ms, 1250ms, ...);
//     number ranges print with the decimals of from and step (0.01, not
//     0.010000000000000002). At most MaxPoints points in all.
//   - --set (Scenario.Set) of a swept key pins it: the key leaves the sweep.
//     name, vars, sweep and do: lists cannot be set. A failed Set leaves
//     the scenario as it was.
//   - LoadFile takes a path, "-" for standard input, or a built-in name.
//   - vars may use other vars (${base}ms); a cycle is an error.
//
// Hostile input is refused, never followed: aliases expand to at most
// 100 000 nodes and 64 levels, one document per file, a do: list holds at
// most MaxActions actions, points times the file's size is bounded, and the
// load-time check of sweep values has a work budget (long ranges are
// checked at their ends; Points still checks every point). Messages are
// always one line: values from the file are quoted with Go escapes.
package scenarios
