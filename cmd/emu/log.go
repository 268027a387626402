package main

import (
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// log is emu's debug log, off unless EMU_LOG names a level (debug, info):
// the default output of the command line is for people, the log for
// finding out what a long run is doing. Nothing on the simulation's hot
// path logs.
var log = zerolog.Nop()

// setupLog reads EMU_LOG and writes the log to w (standard error).
func setupLog(w io.Writer) {
	lv := strings.TrimSpace(os.Getenv("EMU_LOG"))
	if lv == "" {
		return
	}
	level, err := zerolog.ParseLevel(lv)
	if err != nil {
		level = zerolog.DebugLevel
	}
	log = zerolog.New(zerolog.ConsoleWriter{Out: w, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}).Level(level)
}
