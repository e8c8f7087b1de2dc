package hubpush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hftrain/hftrain/hub"
)

// The hub_strategy values of transformers' HubStrategy (trainer_utils.py).
const (
	StrategyEnd            = "end"
	StrategyEverySave      = "every_save"
	StrategyCheckpoint     = "checkpoint"
	StrategyAllCheckpoints = "all_checkpoints"
)

const (
	// StagingDir is the folder under output_dir that holds the snapshots being pushed. It
	// is emptied by New and removed by Close, and never pushed.
	StagingDir = ".hftrain-push"
	// LastCheckpoint is the repository folder that the "checkpoint" strategy pushes each
	// checkpoint to, so that training can resume from it.
	LastCheckpoint = "last-checkpoint"
	// DefaultFinishMessage is the commit message of the final push.
	DefaultFinishMessage = "End of training"
)

// ErrClosed is returned by Saved, Wait and Finish once Close was called, and by Saved
// once Finish was.
var ErrClosed = errors.New("hubpush: pusher closed")

// Options configure New. Client and OutputDir are required.
type Options struct {
	// Client talks to the Hub with a write token.
	Client *hub.Client
	// RepoID is hub_model_id: "namespace/name", or "name" for the token user's namespace;
	// empty means the base name of OutputDir.
	RepoID string
	// Private creates the repository as private (hub_private_repo) when it does not exist.
	Private bool
	// Strategy is hub_strategy: end, every_save (the default when empty), checkpoint or
	// all_checkpoints.
	Strategy string
	// Revision is the branch pushed to (hub_revision); empty means "main". A branch other
	// than main must exist on the Hub: New refuses a missing one.
	Revision string
	// OutputDir is the training output folder: checkpoints are written under it and it
	// is what gets pushed.
	OutputDir string
	// SaveByEpoch words the commit messages "…, epoch N" (save_strategy epoch) instead of
	// "…, step N".
	SaveByEpoch bool
	// Logf receives progress and warnings; it is called from the background goroutine too,
	// so it must be safe for concurrent use. Nil discards them.
	Logf func(format string, args ...any)
	// Retries is how many times a failed push is tried again (default 3; negative: none).
	Retries int
	// Backoff is the wait before the first retry, doubled for each further one
	// (default 2 s).
	Backoff time.Duration
}

// validate fills in the defaults and checks o, naming the field at fault.
func (o *Options) validate() error {
	switch o.Strategy {
	case "":
		o.Strategy = StrategyEverySave
	case StrategyEnd, StrategyEverySave, StrategyCheckpoint, StrategyAllCheckpoints:
	default:
		return fmt.Errorf("hubpush: hub_strategy %q: want end, every_save, checkpoint or all_checkpoints", o.Strategy)
	}
	if o.Client == nil {
		return errors.New("hubpush: Options.Client is nil")
	}
	if o.OutputDir == "" {
		return errors.New("hubpush: output_dir is required")
	}
	if o.Revision == "" {
		o.Revision = "main"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	switch {
	case o.Retries == 0:
		o.Retries = 3
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	return nil
}

// maxBackoff caps the doubling of Options.Backoff.
const maxBackoff = time.Minute

// job is one snapshot waiting to be pushed: dir/root goes to the repository root when
// root is set, and dir/checkpoint to ckptPath when that is not empty.
type job struct {
	dir      string
	step     int
	message  string
	root     bool
	ckptPath string
}

// Pusher pushes a training run to one Hub repository. Its methods are safe for concurrent
// use; pushes run one at a time on its own goroutine.
type Pusher struct {
	o       Options
	repoID  string
	url     string
	staging string
	link    linkFunc

	ctx    context.Context // the background pushes'; cancelled by Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has returned
	wake   chan struct{} // one buffered token: the queue changed

	saveMu sync.Mutex // one Saved at a time (it writes into output_dir)

	mu        sync.Mutex
	queue     []*job
	running   bool
	waiters   []chan struct{} // closed when the queue is empty and nothing runs
	seq       int
	finishing bool
	closed    bool
}

// New checks o, resolves the repository id as transformers' init_hf_repo does (the base
// name of output_dir when RepoID is empty; a name without a namespace goes to the token
// user's, found with WhoAmI), creates the repository (an existing one is fine), checks that
// a Revision other than main is an existing branch (an error wrapping
// hub.ErrRevisionNotFound when not), empties the staging folder and starts the background
// pusher. ctx bounds the calls New makes; the background pushes run until Close. Call
// Close when done.
func New(ctx context.Context, o Options) (*Pusher, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	id := o.RepoID
	if id == "" {
		abs, err := filepath.Abs(o.OutputDir)
		if err != nil {
			return nil, fmt.Errorf("hubpush: output_dir %s: %w", o.OutputDir, err)
		}
		id = filepath.Base(abs)
	}
	if !strings.Contains(id, "/") {
		user, err := o.Client.WhoAmI(ctx)
		if err != nil {
			return nil, fmt.Errorf("hubpush: the namespace of hub_model_id %q: %w", id, err)
		}
		id = user + "/" + id
	}
	url, err := o.Client.CreateRepo(ctx, "model", id, o.Private, true)
	if err != nil {
		return nil, fmt.Errorf("hubpush: create %s: %w", id, err)
	}
	if err := checkBranch(ctx, o.Client, id, o.Revision); err != nil {
		return nil, err
	}
	staging := filepath.Join(o.OutputDir, StagingDir)
	if err := os.RemoveAll(staging); err != nil {
		return nil, fmt.Errorf("hubpush: clean %s: %w", staging, err)
	}
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, fmt.Errorf("hubpush: %w", err)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &Pusher{
		o: o, repoID: id, url: url, staging: staging, link: os.Link,
		ctx: wctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	go p.work()
	return p, nil
}

// checkBranch fails unless revision, the branch every push goes to, exists in repoID:
// pushes to a missing branch all fail with "revision not found", and transformers would
// create it (create_branch) where hub.Client cannot. main is not checked: the Hub makes it
// with the repository.
func checkBranch(ctx context.Context, c *hub.Client, repoID, revision string) error {
	if revision == "main" {
		return nil
	}
	_, err := c.RevisionCommit(ctx, "model", repoID, revision)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hub.ErrRevisionNotFound):
		return fmt.Errorf("hubpush: hub_revision %q does not exist in %s: create the branch first "+
			"(huggingface_hub's create_branch, or git push of a branch) or push to main: %w", revision, repoID, err)
	default:
		return fmt.Errorf("hubpush: checking that hub_revision %q exists in %s: %w", revision, repoID, err)
	}
}

// RepoID returns the resolved repository id, "namespace/name".
func (p *Pusher) RepoID() string { return p.repoID }

// URL returns the repository's web URL.
func (p *Pusher) URL() string { return p.url }

// Saved is called right after a checkpoint folder is complete, before rotation may delete
// it. For every strategy but "end", it copies the checkpoint's modeling files into
// output_dir (as _push_from_checkpoint), snapshots what is to be pushed into the staging
// folder and queues it for the background goroutine, replacing a queued older snapshot
// (all_checkpoints keeps older checkpoint folders queued, dropping the oldest when two
// already wait; see the package doc). It never waits on the network: its errors are local
// ones (a snapshot that could not be made, or ErrClosed after Finish or Close), and a push
// that fails later is only logged.
func (p *Pusher) Saved(ctx context.Context, checkpointDir string, step int, epoch float64) error {
	if p.o.Strategy == StrategyEnd {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hubpush: snapshot of %s: %w", checkpointDir, err)
	}
	p.saveMu.Lock() // Close and Finish wait for it before they touch the staging folder
	defer p.saveMu.Unlock()
	p.mu.Lock()
	stopped := p.closed || p.finishing
	var dropped *job
	if !stopped {
		dropped = p.makeRoomLocked()
	}
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	if stopped {
		return fmt.Errorf("hubpush: snapshot of %s after Finish or Close: %w", checkpointDir, ErrClosed)
	}
	if dropped != nil {
		_ = os.RemoveAll(dropped.dir) // staging only
		p.o.Logf("warning: hub: %s (step %d) will not be pushed: the pushes are slower than the saves, and all_checkpoints "+
			"keeps at most %d checkpoints waiting behind the push in progress (each snapshot holds a whole checkpoint "+
			"folder on disk until it is pushed); the newer %s is queued instead",
			dropped.ckptPath, dropped.step, maxWaitingCheckpoints, filepath.Base(filepath.Clean(checkpointDir)))
	}
	j, err := p.snapshot(checkpointDir, seq, step, epoch)
	if err != nil {
		return fmt.Errorf("hubpush: snapshot of %s: %w", checkpointDir, err)
	}
	if err := p.enqueue(j); err != nil {
		return fmt.Errorf("hubpush: snapshot of %s during Finish or Close: %w", checkpointDir, err)
	}
	return nil
}

// snapshot builds job seq: output_dir gets the checkpoint's files, then staging/<seq>/root
// gets output_dir's pushed files and, for the checkpoint strategies, staging/<seq>/checkpoint
// gets the checkpoint folder.
func (p *Pusher) snapshot(checkpointDir string, seq, step int, epoch float64) (*job, error) {
	st, err := os.Stat(checkpointDir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", checkpointDir)
	}
	if err := installFromCheckpoint(checkpointDir, p.o.OutputDir, p.link); err != nil {
		return nil, err
	}
	j := &job{dir: filepath.Join(p.staging, strconv.Itoa(seq)), step: step, message: p.progressMessage(step, epoch)}
	n, err := snapshotOutput(p.o.OutputDir, filepath.Join(j.dir, "root"), p.link)
	if err != nil {
		_ = os.RemoveAll(j.dir) // the snapshot error is the one to report
		return nil, err
	}
	j.root = n > 0
	switch p.o.Strategy {
	case StrategyCheckpoint:
		j.ckptPath = LastCheckpoint
	case StrategyAllCheckpoints:
		j.ckptPath = filepath.Base(filepath.Clean(checkpointDir))
	}
	if j.ckptPath != "" {
		// Checkpoint files are never rewritten once their folder is renamed into place,
		// so links are a snapshot of them.
		if _, err := snapshotTree(checkpointDir, filepath.Join(j.dir, "checkpoint"), p.link); err != nil {
			_ = os.RemoveAll(j.dir)
			return nil, err
		}
	}
	return j, nil
}

// progressMessage is _push_from_checkpoint's commit message.
func (p *Pusher) progressMessage(step int, epoch float64) string {
	if p.o.SaveByEpoch {
		return fmt.Sprintf("Training in progress, epoch %d", int(epoch))
	}
	return fmt.Sprintf("Training in progress, step %d", step)
}

// Wait blocks until the background pushes queued so far are done (pushed, or failed and
// logged), or ctx is done.
func (p *Pusher) Wait(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if !p.running && len(p.queue) == 0 {
		p.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()
	select {
	case <-w:
	case <-ctx.Done():
		return fmt.Errorf("hubpush: waiting for the pushes to %s: %w", p.repoID, ctx.Err())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	return nil
}

// Finish is transformers' push_to_hub at the end of training: it waits for the background
// pushes (_finish_current_push), then pushes output_dir (leaving out what every push of it
// leaves out) with message (empty means "End of training") and returns the commit. Queued
// pushes of output_dir are dropped first, as this push supersedes them; queued checkpoint
// folders are still pushed. A failure after the retries is a *PushError. Finish may be
// called again after a failure; Saved may not be called after Finish.
func (p *Pusher) Finish(ctx context.Context, message string) (string, error) {
	if message == "" {
		message = DefaultFinishMessage
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(p.ctx, stop)() // Close stops the final push too
	var drop []string
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return "", ErrClosed
	}
	p.finishing = true
	kept := p.queue[:0]
	for _, q := range p.queue {
		if q.root {
			q.root = false
			drop = append(drop, filepath.Join(q.dir, "root"))
		}
		if q.ckptPath != "" {
			kept = append(kept, q)
		} else {
			drop = append(drop, q.dir)
		}
	}
	p.queue = kept
	busy := p.running || len(p.queue) > 0
	p.notifyIdleLocked()
	p.mu.Unlock()
	for _, d := range drop {
		_ = os.RemoveAll(d) // staging only
	}
	if busy {
		p.o.Logf("hub: waiting for the current checkpoint push to finish")
	}
	if err := p.Wait(ctx); err != nil {
		return "", err
	}
	dir := filepath.Join(p.staging, "final")
	// Under saveMu, so that a Close that has begun (and will remove the staging folder)
	// is seen and no snapshot is made after its removal.
	p.saveMu.Lock()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.saveMu.Unlock()
		return "", ErrClosed
	}
	_ = os.RemoveAll(dir) // left by an earlier failed Finish
	defer os.RemoveAll(dir)
	n, err := snapshotOutput(p.o.OutputDir, dir, p.link)
	p.saveMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("hubpush: snapshot of %s: %w", p.o.OutputDir, err)
	}
	if n == 0 {
		return "", &PushError{RepoID: p.repoID, Revision: p.o.Revision, Dir: p.o.OutputDir, Err: fmt.Errorf("nothing to push in %s: %w", p.o.OutputDir, hub.ErrInvalid)}
	}
	commit, attempts, err := p.upload(ctx, dir, "", message)
	if err != nil {
		return "", &PushError{RepoID: p.repoID, Revision: p.o.Revision, Dir: p.o.OutputDir, Attempts: attempts, Err: err}
	}
	return commit, nil
}

// Close stops the background pushes (one in flight is cancelled), waits for a Saved that
// is making its snapshot and for the goroutine to return, and removes the staging folder.
// It is safe to call more than once, and concurrently with the other methods: a Saved
// after it returns ErrClosed and creates nothing.
func (p *Pusher) Close() error {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.queue = nil
	for _, w := range p.waiters {
		close(w)
	}
	p.waiters = nil
	p.mu.Unlock()
	p.cancel()
	// A Saved (or Finish's snapshot) that began before closed was set may still be writing
	// into the staging folder; once it lets go of saveMu, any later one sees closed and
	// writes nothing, so the removal below is final.
	p.saveMu.Lock()
	p.saveMu.Unlock()
	<-p.done
	if already {
		return nil
	}
	if err := os.RemoveAll(p.staging); err != nil {
		return fmt.Errorf("hubpush: remove %s: %w", p.staging, err)
	}
	return nil
}
