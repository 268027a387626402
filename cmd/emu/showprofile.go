package main

import (
	"fmt"
	"strings"

	"github.com/emu-sim/emu/scenarios"
	"github.com/emu-sim/emu/tcp"
)

var showProfileCmd = &command{
	name:    "show-profile",
	args:    "NAME",
	summary: "print a TCP profile (linux, freebsd, windows, rfc9293) as YAML that tcp: accepts",
	help: `Every setting is printed with its meaning. Copy the lines you want to change
under a side's tcp: block in a scenario.

Example:
  emu show-profile freebsd
`,
}

func init() {
	showProfileCmd.run = cmdShowProfile
}

// cmdShowProfile runs emu show-profile.
func cmdShowProfile(e *env, args []string) error {
	fs := newFlags(e, showProfileCmd)
	pos, err := parseFlags(e, showProfileCmd, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("emu show-profile: name one profile (%s)", strings.Join(tcp.ProfileNames, ", "))
	}
	s, err := tcp.Profile(pos[0])
	if err != nil {
		return badInput("emu show-profile: %v", err)
	}
	fmt.Fprintf(e.stdout, "# TCP profile %q: every setting a scenario's tcp: block accepts.\n", pos[0])
	for _, st := range scenarios.ListTCP(&s) {
		fmt.Fprintf(e.stdout, "%s: %s", st.Name, st.Value)
		fmt.Fprintf(e.stdout, "%*s# %s\n", max(1, 28-len(st.Name)-len(st.Value)), "", st.Doc)
	}
	return nil
}
