package main

import (
	"errors"
)

// errNotYet marks a contract command whose implementation has not landed.
var errNotYet = errors.New("not implemented yet in this version of emu")

var plotCmd = &command{
	name:    "plot",
	args:    "DIR [--x KEY] [--out FILE.svg]",
	summary: "plot each close type's fraction with its confidence band against a sweep key",
	run:     func(e *env, args []string) error { return errNotYet },
}
