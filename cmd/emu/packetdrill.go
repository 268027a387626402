package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/emu-sim/emu/internal/packetdrill"
	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

var packetdrillCmd = &command{
	name:    "packetdrill",
	args:    "SCRIPT.pkt... [--profile NAME] [--set key=value]... [--tolerance_usecs N] [--strict] [--seed S]",
	summary: "run packetdrill scripts against emu's TCP endpoint",
	help: `Each script's socket calls drive one emu endpoint; its '<' lines are injected
from the remote side at their times, its '>' lines are the segments the endpoint
must send, compared field by field within packetdrill's timing tolerance
(4 ms, or --tolerance_usecs; 12.5 % of the gap since the previous line when
larger). Prints one line per script:

  ok                      every line held
  ok (lenient: ...)       held; lists what was not compared (TS values,
                          windows, shell lines) -- --strict compares them
  FAIL file:line: ...     the first difference: the script's line and emu's
  unsupported: FEATURE    the script needs what emu does not model (SACK
                          blocks, ECN, TCP Fast Open, other system calls)

A script may name its kernel in its flags line (--profile=freebsd, an emu
extension); --profile on the command line overrides it. --seed picks the
endpoint's initial sequence number and where in the kernel's timer tick the
script starts (Linux's 250 Hz tick delays timers by up to 4 ms; --set hz=0
makes them exact).

Exit status: 0 when no script fails, 1 when one fails, 2 when one cannot be
read or parsed (file:line: message) or a flag is wrong. docs/packetdrill.md
lists the language supported.

Examples:
  emu packetdrill testdata/packetdrill/*.pkt
  emu packetdrill fin-delayed-ack.pkt --profile linux --set delack_min=20ms
  emu packetdrill close-unread.pkt --profile freebsd --tolerance_usecs 10000
`,
}

func init() {
	packetdrillCmd.run = cmdPacketdrill
}

// cmdPacketdrill runs emu packetdrill.
func cmdPacketdrill(e *env, args []string) error {
	fs := newFlags(e, packetdrillCmd)
	profile := fs.String("profile", "linux", "TCP profile of the endpoint: "+strings.Join(tcp.ProfileNames, ", "))
	var sets stringList
	fs.Var(&sets, "set", "change a TCP setting of the profile, e.g. delack_min=20ms (repeatable)")
	tol := fs.Int64("tolerance_usecs", 0, "timing tolerance in microseconds (default: the script's, else 4000)")
	strict := fs.Bool("strict", false, "also compare TCP timestamp values and windows")
	seed := fs.Uint64("seed", 1, "seed of the endpoint's ISN and timer tick phase")
	pos, err := parseFlags(e, packetdrillCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badInput("emu packetdrill: name at least one script")
	}
	if *tol < 0 {
		return badInput("emu packetdrill: --tolerance_usecs %d is negative", *tol)
	}
	explicit := false // --profile given: it wins over a script's --profile= line
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "profile" })
	settings := func(profile string) (tcp.Settings, error) {
		s, err := tcp.Profile(profile)
		if err != nil {
			return s, badInput("emu packetdrill: --profile: %v", err)
		}
		for _, kv := range sets {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return s, badInput("emu packetdrill: --set %q: write key=value, e.g. delack_min=20ms", kv)
			}
			if err := scenarios.SetTCP(&s, strings.TrimSpace(k), v); err != nil {
				return s, badInput("emu packetdrill: --set %s: %v", kv, err)
			}
		}
		if err := s.Validate(); err != nil {
			return s, badInput("emu packetdrill: %s settings: %v", profile, err)
		}
		return s, nil
	}
	if _, err := settings(*profile); err != nil {
		return err
	}
	var failed, unreadable, unsupported int
	for _, path := range pos {
		name := *profile
		sc, err := packetdrill.ParseFile(path, packetdrill.ProfileDefine(name))
		if err == nil && sc.Profile != "" && sc.Profile != name && !explicit {
			// The script names its kernel: read it again with that
			// kernel's #ifdef name.
			name = sc.Profile
			sc, err = packetdrill.ParseFile(path, packetdrill.ProfileDefine(name))
		}
		if err != nil {
			unreadable++
			var pe *packetdrill.ParseError
			if errors.As(err, &pe) {
				fmt.Fprintln(e.stderr, pe)
			} else {
				fmt.Fprintf(e.stderr, "%s: %v\n", path, err)
			}
			continue
		}
		s, err := settings(name)
		if err != nil {
			return err
		}
		r := packetdrill.Run(sc, packetdrill.Options{Profile: name, Settings: s, Strict: *strict, Seed: *seed,
			Tolerance: time.Duration(*tol) * time.Microsecond, TolerancePercent: -1})
		switch r.Status {
		case packetdrill.Fail:
			failed++
		case packetdrill.Unsupported:
			unsupported++
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", path, r)
	}
	if len(pos) > 1 {
		fmt.Fprintf(e.stderr, "%d scripts: %d ok, %d FAIL, %d unsupported, %d unreadable\n",
			len(pos), len(pos)-failed-unsupported-unreadable, failed, unsupported, unreadable)
	}
	switch {
	case unreadable > 0:
		return &inputError{msg: fmt.Sprintf("emu packetdrill: %d of %d scripts could not be read", unreadable, len(pos))}
	case failed > 0:
		return &exitError{msg: fmt.Sprintf("emu packetdrill: %d of %d scripts failed", failed, len(pos)), code: 1}
	}
	return nil
}
