// Package kernel runs a scenario on the machine's real Linux kernel: two
// network namespaces, one per side, each with a TUN device, joined only by
// emu's relay, which applies the scenario's link (netlink's own model, with
// the run's seed) to the real packets in real time and records what it
// forwarded and dropped. Each side's program runs as real socket calls in a
// helper process inside its namespace, so that a crash or SIGPIPE ends a
// real process.
//
// Everything here needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for
// namespaces and TUN devices) and the ip(8) command.
package kernel
