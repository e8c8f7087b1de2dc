package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hftrain/hftrain/config"
	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/distributed"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/nn"
	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// envRestartCount is how torchrun (and hftrain launch) number a worker group's restarts.
const envRestartCount = "TORCHELASTIC_RESTART_COUNT"

// restartCount reads TORCHELASTIC_RESTART_COUNT (0 when unset).
func restartCount() (int, error) {
	v := strings.TrimSpace(os.Getenv(envRestartCount))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a restart count", envRestartCount, v)
	}
	return n, nil
}

// applyRestart makes a restarted worker continue its run, as a torchrun-restarted Trainer script
// does with resume_from_checkpoint=True: from the newest complete checkpoint in output_dir, or from
// the start (overwriting what the failed attempt left) when it saved none. An explicit
// resume_from_checkpoint is kept.
func applyRestart(cfg *config.Config, logf func(string, ...any)) error {
	n, err := restartCount()
	if err != nil || n == 0 || cfg.Training.ResumeFromCheckpoint != "" {
		return err
	}
	out := cfg.Training.OutputDir
	if isDir(out) {
		if dir, err := checkpoint.Latest(out, func(string, ...any) {}); err == nil {
			logf("restart %d: resuming from the newest complete checkpoint, %s", n, dir)
			cfg.Training.ResumeFromCheckpoint = dir
			return nil
		}
	}
	logf("restart %d: no complete checkpoint in %s yet; starting the run again", n, out)
	cfg.Training.OverwriteOutputDir = true
	return nil
}

// rankLogf keeps rank 0's log whole and lets the other ranks print only warnings, as
// transformers' log_level_replica "warning" does: the launcher prefixes every line with its rank.
func rankLogf(rank int, logf func(string, ...any)) func(string, ...any) {
	if rank == 0 {
		return logf
	}
	return func(format string, a ...any) {
		if strings.HasPrefix(format, "warning") {
			logf(format, a...)
		}
	}
}

// seedDropout gives every rank but 0 its own dropout stream (rank 0 keeps the seed's, so a run of
// one process is unchanged): the ranks see different rows and should not share masks.
func seedDropout(m models.Model, seed, rank int) error {
	r, ok := m.(interface{ SetRNGState([]byte) error })
	if !ok || rank == 0 {
		return nil
	}
	st, err := nn.NewRNG(uint64(seed) ^ (uint64(rank) * 0x9E3779B97F4A7C15)).MarshalBinary()
	if err != nil {
		return err
	}
	return r.SetRNGState(st)
}

// joinGroup connects this process to the others of its world (a no-op group alone). The
// rendezvous checks that every rank runs the same hftrain with the same configuration.
func joinGroup(ctx context.Context, w distributed.World, cfg *config.Config, logf func(string, ...any)) (distributed.Group, error) {
	if w.Size <= 1 {
		return distributed.Single(), nil
	}
	c, err := json.Marshal(cfg.Redacted())
	if err != nil {
		return nil, fmt.Errorf("distributed: fingerprint of the config: %w", err)
	}
	logf("distributed: rank %d of %d (%s), rendezvous at %s:%d", w.Rank, w.Size, w.Source, w.MasterAddr, w.MasterPort)
	g, err := distributed.Join(ctx, distributed.Config{
		Rank: w.Rank, Size: w.Size, MasterAddr: w.MasterAddr, MasterPort: w.MasterPort,
		Timeout: time.Duration(cfg.Training.DDPTimeout) * time.Second, Logf: logf,
		Fingerprint: map[string]string{"hftrain version": version(), "config": short(sha256.Sum256(c))},
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// checkWorld compares, once loaded, what every rank trains: the model's tensors, the tokenized
// data and the checkpoint resumed. Every rank stops with the same error naming what differs.
func checkWorld(ctx context.Context, g distributed.Group, j *job, resumeDir string) error {
	if g.Size() == 1 {
		return nil
	}
	resume := "none"
	if resumeDir != "" {
		resume = filepath.Base(resumeDir)
	}
	mine := []string{modelFingerprint(j.model), datasetFingerprint(j.train, j.eval), resume}
	b, err := json.Marshal(mine)
	if err != nil {
		return err
	}
	all, err := g.AllGather(ctx, b)
	if err != nil {
		return fmt.Errorf("distributed: world check: %w", err)
	}
	names := []string{"model", "dataset", "resume checkpoint"}
	var diffs []string
	var ref []string
	for r, v := range all {
		var got []string
		if err := json.Unmarshal(v, &got); err != nil || len(got) != len(names) {
			return fmt.Errorf("distributed: world check: rank %d sent %q", r, v)
		}
		if r == 0 {
			ref = got
			continue
		}
		for k := range names {
			if got[k] != ref[k] {
				diffs = append(diffs, fmt.Sprintf("rank %d has %s=%s but rank 0 has %s=%s", r, names[k], got[k], names[k], ref[k]))
			}
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("distributed: world check: %s: every rank must train the same model on the same data", strings.Join(diffs, "; "))
	}
	return nil
}

// modelFingerprint hashes the architecture and every tensor's name and shape (the weights
// themselves come from rank 0 by broadcast).
func modelFingerprint(m models.Model) string {
	h := sha256.New()
	info := m.Info()
	fmt.Fprintf(h, "%s %s %d\n", info.Architecture, info.ProblemType, info.NumLabels)
	for _, p := range m.Params() {
		fmt.Fprintf(h, "%s %v\n", p.Name, p.Shape)
	}
	return shortHash(h)
}

// datasetFingerprint hashes the tokenized rows and labels of the training and validation sets.
func datasetFingerprint(sets ...*data.Dataset) string {
	h := sha256.New()
	var b []byte
	for _, d := range sets {
		if d == nil {
			h.Write([]byte("none\n"))
			continue
		}
		fmt.Fprintf(h, "%s %d %q\n", d.ProblemType, len(d.Examples), d.Labels)
		for _, ex := range d.Examples {
			b = b[:0]
			for _, s := range [][]int32{ex.InputIDs, ex.AttentionMask, ex.TokenTypeIDs, {ex.Label}} {
				b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
				for _, v := range s {
					b = binary.LittleEndian.AppendUint32(b, uint32(v))
				}
			}
			for _, f := range ex.FloatLabels {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
			h.Write(b)
		}
	}
	return shortHash(h)
}

func shortHash(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil))[:16] }
func short(s [32]byte) string      { return hex.EncodeToString(s[:])[:16] }
