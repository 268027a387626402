package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/emu-sim/emu/internal/input"
	"github.com/emu-sim/emu/results"
)

// ScenarioFile is the scenario a run was started from, byte for byte as it
// was given (a file, standard input or a built-in example), kept in the
// output folder so that the folder alone can reproduce its rows.
const ScenarioFile = "scenario.yaml"

// RecordFile is the output folder's record of how it was made: the command
// line, emu's version and commit, and the settings the command line
// changed. Its command line differs between runs whose data files are
// byte-identical (another --jobs, another --out), so comparisons of
// outputs leave it out.
const RecordFile = "run.json"

// ResolvedFile is the scenario after --set, --runs and --seed, as a file
// that 'emu run' repeats the same rows from without any of them.
const ResolvedFile = "scenario.resolved.yaml"

// recordFiles are the files an execution may publish beside its data
// files (Options.Files); they replace an earlier run's like the rest.
var recordFiles = []string{ScenarioFile, ResolvedFile, RecordFile}

// File is a file published with a run's outputs, in the same set: written
// whole in the staging folder and renamed in with the others, so that a
// finished folder never pairs one run's data with another's record.
type File struct {
	Name string // ScenarioFile, ResolvedFile or RecordFile
	Data []byte
}

// stageFiles writes extra into the staging folder and returns files with
// their names added.
func stageFiles(staging string, extra []File, files []string) ([]string, error) {
	for _, f := range extra {
		if !slices.Contains(recordFiles, f.Name) {
			return nil, fmt.Errorf("runner: %q is not a file an output folder holds", f.Name)
		}
		data := f.Data
		if err := results.WriteFileAtomic(filepath.Join(staging, f.Name), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return nil, err
		}
		files = append(files, f.Name)
	}
	return files, nil
}

// maxRecordBytes bounds what ReadRecord reads: run.json holds a command
// line and a few settings; scenario.yaml at most input.MaxScenarioBytes.
const maxRecordBytes = 4 << 20

// ReadRecord returns a finished output folder's file name (ScenarioFile,
// ResolvedFile or RecordFile). A folder without the completion marker is refused: its files
// may belong to different runs.
func ReadRecord(dir, name string) ([]byte, error) {
	if !IsComplete(dir) {
		return nil, fmt.Errorf("%s holds no finished run (no %s)", dir, CompleteFile)
	}
	limit := int64(maxRecordBytes)
	if name == ScenarioFile || name == ResolvedFile {
		limit = input.MaxScenarioBytes
	}
	b, err := input.ReadFile(filepath.Join(dir, name), input.Regular, limit)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s has no %s (written by an older emu, or not by emu run): %w", dir, name, err)
		}
		return nil, err
	}
	return b, nil
}

// CompleteFingerprint returns the fingerprint a finished folder's
// completion marker records ("" for none).
func CompleteFingerprint(dir string) string {
	b, err := input.ReadFile(filepath.Join(dir, CompleteFile), input.Regular, 1<<20)
	if err != nil {
		return ""
	}
	var c complete
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Fingerprint
}

// InterruptedRun describes the checkpoint an interrupted run left in an
// output folder.
type InterruptedRun struct {
	Done, Total int64
}

// FindInterrupted reports the interrupted run kept in dir, if any: a
// checkpoint that 'emu run --resume' can complete. Another run into dir
// would throw its finished runs away. A checkpoint another emu is
// resuming right now is not reported: that emu holds the folder, and a
// run into it fails on the lock.
func FindInterrupted(dir string) (*InterruptedRun, bool) {
	cp, err := readCheckpoint(dir)
	if err != nil {
		return nil, false
	}
	if lock, err := lockDir(dir); err != nil {
		if errors.Is(err, ErrBusy) {
			return nil, false
		}
	} else {
		lock.unlock()
	}
	return &InterruptedRun{Done: cp.Done, Total: cp.Total}, true
}

// DiscardInterrupted removes the interrupted run kept in dir (its
// checkpoint folder), holding the folder's lock while it does: a folder
// another emu is writing is left alone (ErrBusy).
func DiscardInterrupted(dir string) error {
	if _, err := os.Lstat(filepath.Join(dir, PartialDir)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer lock.unlock()
	if err := os.RemoveAll(filepath.Join(dir, PartialDir)); err != nil {
		return fmt.Errorf("discarding the interrupted run in %s: %w", dir, err)
	}
	return nil
}
