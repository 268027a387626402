module github.com/emu-sim/emu

go 1.26
