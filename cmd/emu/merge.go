package main

import (
	"fmt"

	"github.com/emu-sim/emu/internal/runner"
)

var mergeCmd = &command{
	name:    "merge",
	args:    "--out DIR SHARD_DIR...",
	summary: "merge the outputs of sharded runs into those of the unsharded run",
	help: `Each SHARD_DIR is the output folder of 'emu run --shard I/N'; every shard
of the sweep must be given, in any order. The merged files equal, byte for
byte, those an unsharded run of the same scenario and seed writes.

Example (the shards may run anywhere, at the same time):
  emu run lossy-teardown --shard 0/2 --out shards/0
  emu run lossy-teardown --shard 1/2 --out shards/1
  emu merge --out merged shards/0 shards/1
`,
}

func init() {
	mergeCmd.run = cmdMerge
}

// cmdMerge runs emu merge.
func cmdMerge(e *env, args []string) error {
	fs := newFlags(e, mergeCmd)
	out := fs.String("out", "", "folder `DIR` for the merged files (required)")
	pos, err := parseFlags(e, mergeCmd, fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return badInput("emu merge: say where the merged files go with --out DIR")
	}
	if len(pos) == 0 {
		return badInput("emu merge: name the shard folders")
	}
	log.Debug().Strs("shards", pos).Str("out", *out).Msg("merge starts")
	// The merged folder keeps the shards' scenario and settings, as an
	// unsharded run's would, and its own command line.
	extra, err := mergedRecord(append([]string{"emu", "merge"}, args...), pos)
	if err != nil {
		return err
	}
	n, err := runner.Merge(*out, pos, extra...)
	if err != nil {
		return badInput("emu %v", err)
	}
	fmt.Fprintf(e.stdout, "merged %s from %s into %s\n", count(n, "run", "runs"), count(len(pos), "shard", "shards"), *out)
	return nil
}
