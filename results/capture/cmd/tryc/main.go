package main

import (
	"fmt"
	"os"

	"github.com/emu-sim/emu/results/capture"
)

func main() {
	for _, f := range os.Args[1:] {
		st, err := capture.ReadFile(f, capture.Options{}, func(c *capture.Connection) error {
			o := c.Outcome
			fmt.Println(c.Client, c.Server, c.Start, o.CloseType, o.FirstCloser, o.RstFrom, o.TeardownSegments, o.Teardown, o.Retransmits, c.FinAck, c.PassiveClose, c.Duplicates)
			return nil
		})
		fmt.Printf("%+v %v\n", st, err)
	}
}
