package runner

import "testing"

// TestBatching: the window, in runs, holds two batches per job (so that no
// worker waits for a batch while another's is written) and never fewer
// than one run per batch; without a window, 16 batches of maxBatch runs
// per job.
func TestBatching(t *testing.T) {
	for _, c := range []struct {
		jobs, window      int
		wantSize, wantNum int
	}{
		{2, 0, maxBatch, 32},
		{1, 0, maxBatch, 16},
		{4, 3, 1, 3}, // a window smaller than the jobs: one run a batch
		{1, 2, 1, 2}, // two batches of one run
		{2, 1000, 250, 4},
		{1, 100000, maxBatch, 390},
	} {
		size, n := batching(c.jobs, c.window)
		if size != c.wantSize || n != c.wantNum {
			t.Errorf("batching(%d jobs, window %d) = %d runs × %d batches, want %d × %d", c.jobs, c.window, size, n, c.wantSize, c.wantNum)
		}
		if c.window > 0 && size*n > c.window {
			t.Errorf("batching(%d, %d): %d × %d runs exceed the window", c.jobs, c.window, size, n)
		}
	}
}
