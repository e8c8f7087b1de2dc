package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hftrain/hftrain/config"
	"github.com/hftrain/hftrain/data"
	"github.com/hftrain/hftrain/data/tokenizer"
	"github.com/hftrain/hftrain/distributed"
	"github.com/hftrain/hftrain/hub"
	"github.com/hftrain/hftrain/models"
	"github.com/hftrain/hftrain/models/auto"
	"github.com/hftrain/hftrain/trainer"
	"github.com/hftrain/hftrain/trainer/checkpoint"
	"github.com/hftrain/hftrain/trainer/hubpush"
	"github.com/hftrain/hftrain/trainer/modelcard"
)

// stringList is a repeatable string flag (--set k=v --set k=v).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// trainCmd loads the config, the tokenizer, the data and the model, fine-tunes, evaluates and saves.
func trainCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv(config.EnvConfig), "YAML config file (env HFTRAIN_CONFIG)")
	var sets stringList
	fs.Var(&sets, "set", "override one key: --set learning_rate=3e-5 (repeatable)")
	var resume resumeFlag
	fs.Var(&resume, "resume", "continue from the newest valid checkpoint in output_dir (--resume), or from --resume=PATH")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q (keys are set with --set key=value)", fs.Arg(0))
	}
	if resume != "" {
		sets = append(sets, "resume_from_checkpoint="+string(resume))
	}
	cfg, err := config.Load(*cfgPath, os.Environ(), sets)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := cfg.CheckImplemented(); err != nil {
		return err
	}
	// The world (rank, size, rank 0's address) comes from torchrun's variables, hftrain launch,
	// Slurm or Kubernetes; alone it is one process.
	world, err := distributed.WorldFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	// Background Hub pushes log from their own goroutine: every writer shares one lock.
	stderr = &syncWriter{w: stderr}
	logf := rankLogf(world.Rank, func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) })
	if err := applyRestart(cfg, logf); err != nil {
		return err
	}
	// Ranks meet first, before any of them spends minutes on data, so that a missing peer or a
	// different config shows at once; model and data are compared once loaded.
	group, err := joinGroup(ctx, world, cfg, logf)
	if err != nil {
		return err
	}
	defer group.Close()
	resumeDir, err := resolveResume(ctx, cfg, logf)
	if err != nil {
		return err
	}
	// output_dir belongs to rank 0 (the others may share its disk or not).
	if world.Rank == 0 {
		if resumeDir == "" {
			if err := checkOutputDir(cfg.Training.OutputDir, cfg.Training.OverwriteOutputDir); err != nil {
				return err
			}
		}
		if err := checkpoint.CleanTemp(cfg.Training.OutputDir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	for _, n := range cfg.Notes {
		logf("note: %s", n)
	}
	logf("hftrain %s: %s", version(), setupThreads(cfg.Training.NumThreads))

	job, err := prepare(ctx, cfg, resumeDir, logf)
	if err != nil {
		return err
	}
	defer func() { job.model.Close() }() // load_best_model_at_end may swap the model
	if err := seedDropout(job.model, cfg.Training.Seed, world.Rank); err != nil {
		return err
	}
	if err := checkWorld(ctx, group, job, resumeDir); err != nil {
		return err
	}
	var pusher *hubpush.Pusher
	if world.Rank == 0 {
		if pusher, err = startPush(ctx, cfg, logf); err != nil {
			return err
		}
	}
	var onCheckpoint func(context.Context, string, int, float64) error
	var out io.Writer
	if world.Rank == 0 {
		out = stderr
	}
	if pusher != nil {
		defer pusher.Close()
		onCheckpoint = pusher.Saved
	}
	targs := trainerArgs(cfg, job)
	tr, err := trainer.New(targs, job.model, job.train, trainer.Options{
		Eval: job.eval, Out: out, SaveExtras: job.copyTokenizer, Group: group,
		Resume: resumeDir, RunConfig: cfg.Redacted(), Fault: faultFromEnv(),
		TensorBoardDir: tensorBoardDir(cfg), OnCheckpoint: onCheckpoint,
		Reload: func(ctx context.Context, dir string) (models.Model, error) {
			m, err := auto.Load(ctx, dir, models.Options{Warnf: func(f string, a ...any) { logf("warning: "+f, a...) }})
			if err == nil {
				old := job.model
				job.model = m
				old.Close()
			}
			return m, err
		},
	})
	if err != nil {
		return err
	}
	if err := tr.Train(ctx); err != nil {
		return err
	}
	if world.Rank != 0 {
		return nil // rank 0 writes the results and the card, and pushes
	}
	if err := writeResults(cfg.Training.OutputDir, tr.State(), logf); err != nil {
		return err
	}
	modelName := filepath.Base(filepath.Clean(cfg.Training.OutputDir))
	if pusher != nil {
		modelName = path.Base(pusher.RepoID())
	}
	// A Hub dataset goes into the card's metadata; a local file is only named in its text, and
	// only when its name says it is a file (a bare name would read as a Hub id).
	var datasets []string
	if job.data.hub != "" {
		datasets = []string{job.data.hub}
	} else if name := filepath.Base(cfg.Data.TrainFile); modelcard.IsLocalData(name) {
		datasets = []string{name}
	}
	if err := writeModelCard(cfg, tr.State(), modelName, datasets, job.data.evalSplit); err != nil {
		return err
	}
	if pusher != nil {
		return finishPush(ctx, pusher, cfg.Training.OutputDir, logf)
	}
	return nil
}

// syncWriter serialises writes to w (one Write call per log line or progress update).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// job is everything a run needs, resolved from the config.
type job struct {
	tok           *tokenizer.Tokenizer
	tokenizerDir  string
	train, eval   *data.Dataset
	model         models.Model
	maxSeqLength  int
	copyTokenizer func(dir string) error
	data          *dataSource
}

func prepare(ctx context.Context, cfg *config.Config, resumeDir string, logf func(string, ...any)) (*job, error) {
	m, d := cfg.Model, cfg.Data
	// Names that are not local folders are Hub repo ids: fetch the files a model folder needs into
	// the huggingface_hub cache (shared with Python) and continue with the snapshot folder.
	for _, name := range []*string{&m.ModelNameOrPath, &m.TokenizerName} {
		if *name == "" || isDir(*name) || exists(*name) {
			continue
		}
		dir, err := hubSnapshot(ctx, cfg, *name, logf)
		if err != nil {
			return nil, err
		}
		*name = dir
	}
	j := &job{copyTokenizer: func(string) error { return nil }}
	tokSrc := m.TokenizerName
	if tokSrc == "" {
		tokSrc = m.ModelNameOrPath
	}
	// A tokenizer is needed for text; rows with ready input_ids can do without one (from scratch).
	if tokFile := tokenizerFile(tokSrc); tokSrc != "" && (m.TokenizerName != "" || exists(tokFile)) {
		tok, err := tokenizer.FromFile(tokFile)
		if err != nil {
			return nil, err
		}
		j.tok, j.tokenizerDir = tok, filepath.Dir(tokFile)
		j.copyTokenizer = func(dir string) error { return copyTokenizerFiles(j.tokenizerDir, dir) }
	}

	// The model's config decides the longest usable sequence, so the model comes first; its head
	// is sized from the data, so the labels are read from the training set before it is built.
	src, err := resolveData(ctx, cfg, logf)
	if err != nil {
		return nil, err
	}
	j.data = src
	trainTable, err := data.ReadFiles(ctx, src.train...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.trainName, err)
	}
	// build tokenizes the training and validation sets at maxLen and aligns their labels with
	// the model's; it runs again when the model turns out to have fewer positions.
	var train, eval *data.Dataset
	build := func(maxLen int) error {
		var err error
		train, eval, err = buildSets(ctx, cfg, j, src, trainTable, maxLen, resumeDir, logf)
		return err
	}
	if err := build(d.MaxSeqLength); err != nil {
		return nil, err
	}
	id2label := map[int]string{}
	for i, l := range train.Labels {
		id2label[i] = l
	}
	opts := models.Options{
		NumLabels: train.NumLabels, ProblemType: train.ProblemType, ID2Label: id2label,
		ConfigOverrides: m.ConfigOverrides, Seed: uint64(cfg.Training.Seed),
		Warnf: func(format string, a ...any) { logf("warning: "+format, a...) },
	}
	if len(train.Labels) == 0 {
		opts.ID2Label = nil
	}
	var model models.Model
	if resumeDir != "" {
		// A checkpoint is a model folder: the weights to continue from.
		model, err = auto.Load(ctx, resumeDir, opts)
	} else if m.ModelNameOrPath != "" {
		model, err = auto.Load(ctx, m.ModelNameOrPath, opts)
	} else {
		logf("training %s from scratch (random init, seed %d)", m.ModelType, cfg.Training.Seed)
		model, err = auto.New(ctx, m.ModelType, m.ConfigName, opts)
	}
	if err != nil {
		return nil, err
	}
	info := model.Info()
	if j.tok == nil {
		// ready input_ids: nothing to compare
	} else if tv := j.tok.VocabSize(); tv > info.VocabSize {
		model.Close()
		return nil, fmt.Errorf("the tokenizer has %d tokens but the model's vocab_size is %d: set vocab_size (config_overrides) or use the model's own tokenizer", tv, info.VocabSize)
	}
	j.maxSeqLength = d.MaxSeqLength
	if info.MaxPositions > 0 && j.maxSeqLength > info.MaxPositions {
		// As run_classification.py does: warn and use the model's maximum.
		logf("warning: max_seq_length %d is longer than the model allows (%d positions); using max_seq_length=%d",
			d.MaxSeqLength, info.MaxPositions, info.MaxPositions)
		j.maxSeqLength = info.MaxPositions
		if err := build(j.maxSeqLength); err != nil {
			model.Close()
			return nil, err
		}
	}
	logf("data: %d training rows, %d validation rows, %d labels %v (%s)",
		len(train.Examples), lenExamples(eval), train.NumLabels, train.Labels, train.ProblemType)
	j.train, j.eval, j.model = train, eval, model
	return j, nil
}

func lenExamples(d *data.Dataset) int {
	if d == nil {
		return 0
	}
	return len(d.Examples)
}

func trainerArgs(cfg *config.Config, j *job) trainer.Args {
	t := cfg.Training
	pad := int32(0)
	if info := j.model.Info(); info.PadTokenID >= 0 {
		pad = int32(info.PadTokenID)
	}
	if j.tok != nil {
		if id, ok := j.tok.PadID(); ok {
			pad = int32(id)
		}
	}
	return trainer.Args{
		OutputDir: t.OutputDir, NumTrainEpochs: t.NumTrainEpochs, MaxSteps: t.MaxSteps,
		TrainBatchSize: t.PerDeviceTrainBatchSize, EvalBatchSize: t.PerDeviceEvalBatchSize,
		GradAccum: t.GradientAccumulationSteps, LearningRate: t.LearningRate, WeightDecay: t.WeightDecay,
		AdamBeta1: t.AdamBeta1, AdamBeta2: t.AdamBeta2, AdamEpsilon: t.AdamEpsilon, MaxGradNorm: t.MaxGradNorm,
		Optim: t.Optim, Scheduler: t.LRSchedulerType, WarmupRatio: t.WarmupRatio, WarmupSteps: t.WarmupSteps,
		LoggingStrategy: t.LoggingStrategy, LoggingSteps: t.LoggingSteps, LogFirstStep: t.LoggingFirstStep,
		DisableProgress: t.DisableTqdm,
		SaveTotalLimit:  t.SaveTotalLimit, LoadBestModelAtEnd: t.LoadBestModelAtEnd,
		MetricForBestModel: t.MetricForBestModel, GreaterIsBetter: t.GreaterIsBetter != nil && *t.GreaterIsBetter,
		EarlyStoppingPatience: t.EarlyStoppingPatience, EarlyStoppingThreshold: t.EarlyStoppingThreshold,
		EvalStrategy: t.EvalStrategy, EvalSteps: t.EvalSteps, SaveStrategy: t.SaveStrategy, SaveSteps: t.SaveSteps,
		Seed: uint64(t.DataSeedOrSeed()), Shuffle: cfg.Data.Shuffle, DropLast: t.DataloaderDropLast,
		MaxSeqLength: j.maxSeqLength, PadID: pad,
	}
}

// writeResults prints the final evaluation and writes all_results.json as the example scripts do.
func writeResults(outputDir string, st *trainer.State, logf func(string, ...any)) error {
	res := map[string]float64{"epoch": st.Epoch}
	for _, e := range st.LogHistory {
		for k, v := range e.Values {
			if strings.HasPrefix(k, "train_") {
				res[k] = v
			}
		}
	}
	for k, v := range st.LastEvalMetrics {
		res[k] = v
	}
	if len(st.LastEvalMetrics) > 0 {
		keys := make([]string, 0)
		for k := range st.LastEvalMetrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		logf("***** eval metrics *****")
		for _, k := range keys {
			logf("  %-24s = %.4f", k, st.LastEvalMetrics[k])
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outputDir, "all_results.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing all_results.json: %w", err)
	}
	return nil
}

// checkOutputDir refuses to write into a non-empty output_dir unless overwrite_output_dir is set,
// as transformers' example scripts do, so a second run never mixes its files with a first's.
func checkOutputDir(dir string, overwrite bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || overwrite {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output_dir %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("output_dir %s already exists and is not empty: resume its run (--resume, or resume_from_checkpoint: latest), set overwrite_output_dir: true, or choose another output_dir", dir)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// tokenizerFile accepts a tokenizer.json path or a folder holding one.
func tokenizerFile(p string) string {
	if isDir(p) {
		return filepath.Join(p, "tokenizer.json")
	}
	return p
}

// tokenizerFiles are the files that make a folder's tokenizer loadable by transformers.
var tokenizerFiles = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt"}

func copyTokenizerFiles(src, dst string) error {
	for _, name := range tokenizerFiles {
		b, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// resumeFlag is --resume (the newest valid checkpoint) or --resume=PATH.
type resumeFlag string

func (r *resumeFlag) String() string     { return string(*r) }
func (r *resumeFlag) Set(v string) error { *r = resumeFlag(v); return nil }
func (r *resumeFlag) IsBoolFlag() bool   { return true }

// resolveResume turns resume_from_checkpoint into a verified checkpoint directory: "" or "false"
// means a new run; "true" or "latest" the newest checkpoint in output_dir that verifies (others are
// skipped with a warning naming them); anything else a path, which must verify.
//
// hf://<repo_id>[@revision]/<folder> (as huggingface_hub's HfFileSystem names files) is a
// checkpoint pushed to the Hub, e.g. hf://me/my-model/last-checkpoint with hub_strategy
// "checkpoint": its files are downloaded into the huggingface_hub cache and verified there.
func resolveResume(ctx context.Context, cfg *config.Config, logf func(string, ...any)) (string, error) {
	v, outputDir := cfg.Training.ResumeFromCheckpoint, cfg.Training.OutputDir
	if strings.HasPrefix(v, hfScheme) {
		return hubCheckpoint(ctx, cfg, v, logf)
	}
	switch strings.ToLower(v) {
	case "", "false":
		return "", nil
	case "true", "latest":
		if !isDir(outputDir) {
			return "", fmt.Errorf("resume_from_checkpoint: output_dir %s does not exist, so it holds no checkpoint to resume", outputDir)
		}
		dir, err := checkpoint.Latest(outputDir, func(format string, a ...any) { logf("warning: "+format, a...) })
		if err != nil {
			return "", fmt.Errorf("resume_from_checkpoint: %w", err)
		}
		return dir, nil
	}
	if err := checkpoint.Verify(v); err != nil {
		return "", fmt.Errorf("resume_from_checkpoint: %w", err)
	}
	return v, nil
}

// hfScheme prefixes a Hub location in resume_from_checkpoint.
const hfScheme = "hf://"

// parseHubPath splits hf://<repo_id>[@revision]/<folder>: the repo id is "namespace/name" when
// three or more segments follow the scheme, else "name"; the revision defaults to "main".
func parseHubPath(v string) (repoID, revision, folder string, err error) {
	rest := strings.TrimPrefix(v, hfScheme)
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	n := 1
	if len(segs) >= 3 {
		n = 2
	}
	if len(segs) < 2 {
		return "", "", "", fmt.Errorf("resume_from_checkpoint: %q: want hf://<repo_id>[@revision]/<checkpoint folder>, e.g. hf://me/my-model/last-checkpoint", v)
	}
	repoID, folder = strings.Join(segs[:n], "/"), strings.Join(segs[n:], "/")
	repoID, revision, _ = strings.Cut(repoID, "@")
	// A revision with a slash is percent-encoded, as HfFileSystem writes it (refs%2Fpr%2F1).
	if revision, err = url.PathUnescape(revision); err != nil {
		return "", "", "", fmt.Errorf("resume_from_checkpoint: %q: revision: %w", v, err)
	}
	if revision == "" {
		revision = "main"
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return "", "", "", fmt.Errorf("resume_from_checkpoint: %q: empty, . or .. path segment", v)
		}
	}
	return repoID, revision, folder, nil
}

// hubCheckpoint downloads a checkpoint folder from a Hub model repo into the cache and returns
// its local folder once it verifies.
func hubCheckpoint(ctx context.Context, cfg *config.Config, v string, logf func(string, ...any)) (string, error) {
	repoID, rev, folder, err := parseHubPath(v)
	if err != nil {
		return "", err
	}
	snap, err := hubClient(cfg, false).Snapshot(ctx, "model", repoID, rev, []string{folder + "/*"})
	if err != nil {
		return "", fmt.Errorf("resume_from_checkpoint %s: %w", v, err)
	}
	dir := filepath.Join(snap, filepath.FromSlash(folder))
	if !isDir(dir) {
		return "", fmt.Errorf("resume_from_checkpoint %s: %s@%s has no folder %s (the form is hf://<namespace>/<name>[@revision]/<folder>)", v, repoID, rev, folder)
	}
	if err := checkpoint.Verify(dir); err != nil {
		return "", fmt.Errorf("resume_from_checkpoint %s: %w", v, err)
	}
	logf("resume: %s -> %s", v, dir)
	return dir, nil
}

// faultFromEnv kills the process with SIGKILL at a checkpoint-write stage named by
// HFTRAIN_FAULT_INJECT, "STAGE" (the first time it is reached) or "STAGE#K" (the K-th time), for
// the crash-safety tests; nil when it is unset.
func faultFromEnv() func(string) {
	v := os.Getenv(config.EnvFaultInject)
	if v == "" {
		return nil
	}
	stage, nth, _ := strings.Cut(v, "#")
	k, err := strconv.Atoi(nth)
	if err != nil || k < 1 {
		k = 1
	}
	seen := 0
	return func(s string) {
		if s != stage {
			return
		}
		if seen++; seen == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
}

// tensorBoardDir is where TensorBoard event files go when report_to asks for them ("tensorboard" or
// "all"): logging_dir, by default output_dir/runs/<date>_<host> as in transformers.
func tensorBoardDir(cfg *config.Config) string {
	for _, r := range cfg.Training.ReportTo {
		if r == "tensorboard" || r == "all" {
			if cfg.Training.LoggingDir != "" {
				return cfg.Training.LoggingDir
			}
			host, _ := os.Hostname()
			return filepath.Join(cfg.Training.OutputDir, "runs", time.Now().Format("Jan02_15-04-05")+"_"+host)
		}
	}
	return ""
}

// modelFiles are the files of a model repo that training needs (snapshot_download allow_patterns).
var modelFiles = []string{"config.json", "model.safetensors", "model.safetensors.index.json", "model-*.safetensors",
	"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt"}

// hubClient builds a Hub client from the environment (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE,
// HF_HUB_OFFLINE) and the config's token and cache_dir.
//
// Downloads use token (ModelArguments), else hub_token; pushes (push true) use hub_token, else
// token, as transformers splits them between the example scripts and TrainingArguments.
func hubClient(cfg *config.Config, push bool) *hub.Client {
	o := hub.OptionsFromEnv(os.Environ())
	if cfg != nil {
		first, second := cfg.Model.Token, cfg.Training.HubToken
		if push {
			first, second = second, first
		}
		if first != "" {
			o.Token = first
		} else if second != "" {
			o.Token = second
		}
	}
	if cfg != nil && cfg.Model.CacheDir != "" {
		o.CacheDir = cfg.Model.CacheDir
	}
	return hub.New(o)
}

func hubSnapshot(ctx context.Context, cfg *config.Config, repoID string, logf func(string, ...any)) (string, error) {
	rev := cfg.Model.ModelRevision
	if rev == "" {
		rev = "main"
	}
	dir, err := hubClient(cfg, false).Snapshot(ctx, "model", repoID, rev, modelFiles)
	if err != nil {
		return "", fmt.Errorf("model %s (not a local folder, so fetched from the Hub): %w", repoID, err)
	}
	logf("hub: %s@%s -> %s", repoID, rev, dir)
	return dir, nil
}

// alignLabels reorders the datasets' label ids to a pretrained model's id2label when both name the
// same labels; otherwise the dataset's (sorted) names win and the model's are reported.
func alignLabels(modelDir string, train, eval *data.Dataset, logf func(string, ...any)) error {
	b, err := os.ReadFile(filepath.Join(modelDir, "config.json"))
	if err != nil {
		return nil // the model loader reports a missing or unreadable config.json
	}
	var cfg struct {
		ID2Label map[string]string `json:"id2label"`
	}
	if json.Unmarshal(b, &cfg) != nil || len(cfg.ID2Label) == 0 || len(train.Labels) == 0 {
		return nil
	}
	modelLabels := make([]string, len(cfg.ID2Label))
	for k, v := range cfg.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(modelLabels) {
			return nil
		}
		modelLabels[i] = v
	}
	if fmt.Sprint(modelLabels) == fmt.Sprint(train.Labels) {
		return nil
	}
	want := map[string]int{}
	for i, l := range modelLabels {
		want[l] = i
	}
	perm := make([]int, len(train.Labels))
	for i, l := range train.Labels {
		j, ok := want[l]
		if !ok || len(modelLabels) != len(train.Labels) {
			if !strings.HasPrefix(modelLabels[0], "LABEL_") {
				logf("warning: the model's labels %v differ from the dataset's %v; using the dataset's", modelLabels, train.Labels)
			}
			return nil
		}
		perm[i] = j
	}
	for _, ds := range []*data.Dataset{train, eval} {
		if ds == nil {
			continue
		}
		for k := range ds.Examples {
			ex := &ds.Examples[k]
			if ds.ProblemType == "multi_label_classification" && len(ex.FloatLabels) == len(perm) {
				moved := make([]float32, len(perm))
				for i, v := range ex.FloatLabels {
					moved[perm[i]] = v
				}
				ex.FloatLabels = moved
			} else if int(ex.Label) < len(perm) {
				ex.Label = int32(perm[ex.Label])
			}
		}
		ds.Labels = append([]string(nil), modelLabels...)
	}
	logf("labels: using the model's order %v", modelLabels)
	return nil
}

// buildSets tokenizes the training and validation sets at maxLen tokens and aligns their label
// order with the pretrained model's (or the checkpoint's).
func buildSets(ctx context.Context, cfg *config.Config, j *job, src *dataSource, trainTable *data.Table, maxLen int, resumeDir string, logf func(string, ...any)) (*data.Dataset, *data.Dataset, error) {
	m, d := cfg.Model, cfg.Data
	spec := data.Spec{
		TextColumns:  cfg.TextColumns(),
		LabelColumn:  d.LabelColumnName,
		MaxSeqLength: maxLen,
	}
	var enc data.Encoder
	if j.tok != nil {
		enc = j.tok.WithoutPadding().WithTruncation(maxLen)
	} else if len(spec.TextColumns) > 0 || !trainTable.Has("input_ids") {
		return nil, nil, fmt.Errorf("%s has text to tokenize but no tokenizer was found: set tokenizer_name, or put tokenizer.json in model_name_or_path", src.trainName)
	}
	train, err := data.BuildClassification(ctx, trainTable, enc, spec)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.trainName, err)
	}
	if d.MaxTrainSamples > 0 && d.MaxTrainSamples < len(train.Examples) {
		train.Examples = train.Examples[:d.MaxTrainSamples]
	}
	var eval *data.Dataset
	switch {
	case src.eval != nil:
		vt, err := data.ReadFiles(ctx, src.eval...)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src.evalName, err)
		}
		eval, err = data.BuildClassificationWithLabels(ctx, vt, enc, spec, train.Labels)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src.evalName, err)
		}
	case d.ValidationSplitPercentage > 0:
		train, eval = data.SplitValidation(train, d.ValidationSplitPercentage, uint64(cfg.Training.DataSeedOrSeed()))
		logf("validation: %d%% of the training data held out (%d rows)", d.ValidationSplitPercentage, len(eval.Examples))
	}
	if eval != nil && d.MaxEvalSamples > 0 && d.MaxEvalSamples < len(eval.Examples) {
		eval.Examples = eval.Examples[:d.MaxEvalSamples]
	}

	// A pretrained head keeps its label order when the dataset has the same label names, as
	// run_classification.py does (label_to_id from the model's label2id).
	labelsFrom := m.ModelNameOrPath
	if resumeDir != "" {
		labelsFrom = resumeDir
	}
	if labelsFrom != "" {
		if err := alignLabels(labelsFrom, train, eval, logf); err != nil {
			return nil, nil, err
		}
	}
	return train, eval, nil
}
