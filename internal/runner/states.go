package runner

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emu-sim/emu/internal/sim"
	"github.com/emu-sim/emu/results"
	"github.com/emu-sim/emu/tcp"
)

// StatesFile is the time series of sockets per state that runs of many
// connections write beside runs.csv: one row per sample and host.
const StatesFile = "states.csv"

// statesHeader: point, run, virtual time, host, then one column per state a
// live socket can be in.
func statesHeader() []string {
	h := []string{"point", "run", "time_ms", "host"}
	for s := tcp.SynSent; s <= tcp.TimeWait; s++ {
		h = append(h, strings.ToLower(s.String()))
	}
	return h
}

// appendStatesRows appends the states.csv rows of one run's samples.
func appendStatesRows(b []byte, point, run int, samples []sim.StateSample) []byte {
	for i := range samples {
		s := &samples[i]
		b = strconv.AppendInt(b, int64(point), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(run), 10)
		b = append(b, ',')
		b = results.AppendMs(b, s.At.Duration())
		if s.Server {
			b = append(b, ",server"...)
		} else {
			b = append(b, ",client"...)
		}
		for st := tcp.SynSent; st <= tcp.TimeWait; st++ {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(s.Counts[st]), 10)
		}
		b = append(b, '\n')
	}
	return b
}

// statesReader reads states.csv one run's rows at a time.
type statesReader struct {
	cr   *csv.Reader
	next []string // the first row of the next run, already read
	eof  bool
}

func newStatesReader(r io.Reader) (*statesReader, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("states.csv header: %w", err)
	}
	if strings.Join(head, ",") != strings.Join(statesHeader(), ",") {
		return nil, errors.New("states.csv header: not a states.csv of this version of emu")
	}
	return &statesReader{cr: cr}, nil
}

// run returns the rows of run (point, run), which must be the next run in
// the file that has rows; a run without rows returns none.
func (s *statesReader) run(point, run int) ([][]string, error) {
	key := strconv.Itoa(point) + "," + strconv.Itoa(run)
	var rows [][]string
	for {
		if s.next == nil && !s.eof {
			r, err := s.cr.Read()
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else if err != nil {
				return nil, fmt.Errorf("states.csv: %w", err)
			} else {
				s.next = r
			}
		}
		if s.next == nil || s.next[0]+","+s.next[1] != key {
			return rows, nil
		}
		rows = append(rows, s.next)
		s.next = nil
	}
}
