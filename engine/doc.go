// Package engine is emu's discrete-event core: a virtual clock, a
// deterministic event scheduler, cancellable timers and seeded random
// streams.
//
// Nothing in this package reads the wall clock or global random state. Two
// runs that schedule the same events in the same order execute them in the
// same order: the queue is ordered by (virtual time, scheduling sequence).
package engine
