package main

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// flagInfo is one flag of a command as its -h lists it.
type flagInfo struct {
	name  string
	arg   string // the value's placeholder, "" for a switch
	usage string
	def   string
}

// commandFlags returns c's flags, in the order -h lists them, by asking the
// command itself: flags are declared where they are parsed, so the help,
// the completion scripts and the man page cannot disagree.
func commandFlags(c *command) ([]flagInfo, error) {
	e := &env{stdout: io.Discard, stderr: io.Discard, stdin: strings.NewReader("")}
	if err := c.run(e, []string{"-h"}); !errors.Is(err, errHelpShown) {
		if err != nil {
			return nil, err
		}
		return nil, nil
	}
	var out []flagInfo
	if e.flags == nil {
		return nil, nil
	}
	e.flags.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		def := f.DefValue
		if def == "0" || def == "false" || def == "[]" {
			def = ""
		}
		out = append(out, flagInfo{name: f.Name, arg: arg, usage: usage, def: def})
	})
	return out, nil
}

// flagValues are the values a flag takes, where they are a fixed list, for
// completion.
var flagValues = map[string][]string{
	"format":  tableFormats,
	"pcap-at": {"client", "server"},
	"host":    {"client", "server"},
	"profile": {"linux", "freebsd", "windows", "rfc9293"},
	"first":   append(closeTypeNames(), failedName),
}
