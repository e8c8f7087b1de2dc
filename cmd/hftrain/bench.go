package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/models/nn"
	"github.com/hftrain/hftrain/optim"
)

// benchResult is what `hftrain bench` prints: one JSON object, read by scripts/bench/bench.sh.
type benchResult struct {
	Impl             string  `json:"impl"`
	BLAS             string  `json:"blas"`
	Threads          int     `json:"threads"`
	Batch            int     `json:"batch"`
	SeqLen           int     `json:"seq_len"`
	Steps            int     `json:"steps"`
	SecondsPerStep   float64 `json:"seconds_per_step"`
	SamplesPerSecond float64 `json:"samples_per_second"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
}

// benchCmd times full training steps (forward, backward, clipping, AdamW) of a model built from
// scratch on random tokens, the same work `make bench` asks of PyTorch.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelType := fs.String("model-type", "bert", "architecture")
	overrides := fs.String("config-overrides", "hidden_size=256,num_hidden_layers=4,num_attention_heads=4,intermediate_size=1024", "config_overrides")
	batch := fs.Int("batch-size", 32, "rows per step")
	seq := fs.Int("seq-len", 128, "tokens per row")
	steps := fs.Int("steps", 5, "timed steps")
	warmup := fs.Int("warmup", 1, "untimed steps first (graph build)")
	threads := fs.Int("threads", 0, "threads (0 = every core)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	desc := setupThreads(*threads)
	fmt.Fprintln(stderr, "bench:", desc)
	m, err := auto.New(ctx, *modelType, "", models.Options{NumLabels: 2, ProblemType: "single_label_classification", ConfigOverrides: *overrides, Seed: 1})
	if err != nil {
		return err
	}
	defer m.Close()
	info := m.Info()
	rng := rand.New(rand.NewPCG(1, 2))
	b := &models.Batch{Size: *batch, SeqLen: *seq, Labels: make([]int32, *batch)}
	for i := 0; i < *batch**seq; i++ {
		b.InputIDs = append(b.InputIDs, int32(5+rng.IntN(info.VocabSize-5)))
		b.AttentionMask = append(b.AttentionMask, 1)
		b.TokenTypeIDs = append(b.TokenTypeIDs, 0)
	}
	var params []optim.Param
	for _, p := range m.Params() {
		params = append(params, optim.Param{Name: p.Name, Data: p.Data, Grad: p.Grad, NoDecay: p.NoDecay})
	}
	opt := optim.NewAdamW(optim.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	step := func() error {
		if _, err := m.ForwardBackward(ctx, b, 1); err != nil {
			return err
		}
		optim.ClipGradNorm(params, 1)
		if err := opt.Step(params, 1e-4); err != nil {
			return err
		}
		for _, p := range params {
			clear(p.Grad)
		}
		return nil
	}
	for range *warmup {
		if err := step(); err != nil {
			return err
		}
	}
	start := time.Now()
	for range *steps {
		if err := step(); err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds() / float64(*steps)
	n := *threads
	if n <= 0 {
		n = numCPU()
	}
	return json.NewEncoder(stdout).Encode(benchResult{
		Impl: "hftrain " + version(), BLAS: nn.BLAS(), Threads: n, Batch: *batch, SeqLen: *seq, Steps: *steps,
		SecondsPerStep: secs, SamplesPerSecond: float64(*batch) / secs, PeakRSSMB: peakRSSMB(),
	})
}

// peakRSSMB reads the process's peak resident set (VmHWM) from /proc; 0 where there is none.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
