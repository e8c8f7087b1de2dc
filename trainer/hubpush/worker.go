package hubpush

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hftrain/hftrain/hub"
)

// enqueue queues j. The newest snapshot of output_dir wins: a queued older one is dropped
// (with its whole job for every_save and checkpoint, where the newer checkpoint supersedes
// the older; all_checkpoints keeps the older job's checkpoint folder).
func (p *Pusher) enqueue(j *job) error {
	var drop []string
	p.mu.Lock()
	if p.closed || p.finishing {
		p.mu.Unlock()
		_ = os.RemoveAll(j.dir) // nothing will push it
		return ErrClosed
	}
	kept := p.queue[:0]
	for _, q := range p.queue {
		if p.o.Strategy == StrategyAllCheckpoints && q.ckptPath != "" {
			if q.root {
				q.root = false
				drop = append(drop, filepath.Join(q.dir, "root"))
				p.o.Logf("hub: the push of output_dir at step %d is superseded by step %d (its checkpoint folder is still pushed)", q.step, j.step)
			}
			kept = append(kept, q)
			continue
		}
		drop = append(drop, q.dir)
		p.o.Logf("hub: the push of step %d is superseded by step %d", q.step, j.step)
	}
	p.queue = append(kept, j)
	p.mu.Unlock()
	p.signal()
	for _, d := range drop {
		_ = os.RemoveAll(d) // staging only; Close removes whatever is left
	}
	return nil
}

// maxWaitingCheckpoints bounds the all_checkpoints jobs waiting behind the one being
// pushed: each holds a snapshot of a whole checkpoint folder (hard links, or a copy), whose
// disk space checkpoint rotation cannot free until the job is pushed or dropped.
const maxWaitingCheckpoints = 2

// makeRoomLocked is called by Saved before it snapshots a new checkpoint: when
// all_checkpoints already has maxWaitingCheckpoints checkpoint jobs waiting, it takes the
// oldest out of the queue and returns it for the caller to remove and report (transformers
// itself skips a push while one is in progress). p.mu is held.
func (p *Pusher) makeRoomLocked() *job {
	if p.o.Strategy != StrategyAllCheckpoints {
		return nil // the newer snapshot supersedes the older: at most one waits
	}
	waiting, oldest := 0, -1
	for i, q := range p.queue {
		if q.ckptPath != "" {
			if oldest < 0 {
				oldest = i
			}
			waiting++
		}
	}
	if waiting < maxWaitingCheckpoints {
		return nil
	}
	j := p.queue[oldest]
	p.queue = append(p.queue[:oldest:oldest], p.queue[oldest+1:]...)
	return j
}

func (p *Pusher) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// work pushes queued jobs one at a time until Close.
func (p *Pusher) work() {
	defer close(p.done)
	for {
		j, ok := p.next()
		if !ok {
			return
		}
		p.push(j)
		_ = os.RemoveAll(j.dir) // staging only
		p.mu.Lock()
		p.running = false
		p.notifyIdleLocked()
		p.mu.Unlock()
	}
}

// next takes the oldest queued job, waiting for one; false once closed.
func (p *Pusher) next() (*job, bool) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false
		}
		if len(p.queue) > 0 {
			j := p.queue[0]
			p.queue = p.queue[1:]
			p.running = true
			p.mu.Unlock()
			return j, true
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-p.ctx.Done():
			return nil, false
		}
	}
}

// notifyIdleLocked wakes the waiters once nothing is queued or running; p.mu is held.
func (p *Pusher) notifyIdleLocked() {
	if p.running || len(p.queue) > 0 {
		return
	}
	for _, w := range p.waiters {
		close(w)
	}
	p.waiters = nil
}

// push uploads one job; failures are logged, never returned: training goes on.
func (p *Pusher) push(j *job) {
	if j.root {
		if _, _, err := p.upload(p.ctx, filepath.Join(j.dir, "root"), "", j.message); err != nil {
			p.warn(j, err)
		}
	}
	if j.ckptPath != "" {
		if _, _, err := p.upload(p.ctx, filepath.Join(j.dir, "checkpoint"), j.ckptPath, j.message+", checkpoint"); err != nil {
			p.warn(j, err)
		}
	}
}

// warn logs a failed background push. Only an error that another try may fix promises
// one; a permanent one says what is wrong, and, for one that concerns the repository or
// the token, that later pushes will fail the same way.
func (p *Pusher) warn(j *job, err error) {
	if p.ctx.Err() != nil {
		p.o.Logf("hub: the push of step %d to %s was stopped: %v", j.step, p.repoID, err)
		return
	}
	if retryable(err) {
		p.o.Logf("warning: hub: the push of step %d to %s failed; training continues and the next push will try again: %v", j.step, p.repoID, err)
		return
	}
	var why string
	switch {
	case errors.Is(err, hub.ErrUnauthorized):
		why = "the Hub refused the token: it needs write access to " + p.repoID
	case errors.Is(err, hub.ErrRepoNotFound):
		why = "the repository " + p.repoID + " is not found (deleted, renamed, or not visible to the token)"
	case errors.Is(err, hub.ErrRevisionNotFound):
		why = fmt.Sprintf("the branch %q does not exist in %s", p.o.Revision, p.repoID)
	}
	if why != "" {
		p.o.Logf("warning: hub: the push of step %d to %s failed and will not be retried: %s; training continues, "+
			"but later pushes and the final one will fail the same way until this is fixed: %v", j.step, p.repoID, why, err)
		return
	}
	p.o.Logf("warning: hub: the push of step %d to %s failed and will not be retried (another try cannot fix this error); "+
		"training continues: %v", j.step, p.repoID, err)
}

// upload pushes folder to pathInRepo in one commit, retrying failures that another try
// can fix with doubling waits. It returns the commit and the number of attempts.
func (p *Pusher) upload(ctx context.Context, folder, pathInRepo, message string) (string, int, error) {
	wait := p.o.Backoff
	for attempt := 1; ; attempt++ {
		commit, err := p.o.Client.UploadFolderTo(ctx, "model", p.repoID, p.o.Revision, folder, pathInRepo, message, nil, nil)
		if err == nil {
			p.o.Logf("hub: pushed %q to %s (commit %s)", message, p.repoID, shortCommit(commit))
			return commit, attempt, nil
		}
		if attempt > p.o.Retries || !retryable(err) || ctx.Err() != nil {
			return "", attempt, fmt.Errorf("hubpush: push %q to %s (%d attempts): %w", message, p.repoID, attempt, err)
		}
		p.o.Logf("hub: push %q to %s failed (attempt %d of %d), retrying in %s: %v", message, p.repoID, attempt, p.o.Retries+1, wait, err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", attempt, fmt.Errorf("hubpush: push %q to %s: %w (after: %v)", message, p.repoID, ctx.Err(), err)
		}
		wait = min(2*wait, maxBackoff)
	}
}

// retryable reports whether another attempt may succeed: not for refused credentials,
// a missing repository or branch, a refused argument or a local file error (the snapshot
// is what it is), nor once the context is done.
func retryable(err error) bool {
	for _, final := range []error{hub.ErrUnauthorized, hub.ErrRepoNotFound, hub.ErrRevisionNotFound, hub.ErrInvalid, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, final) {
			return false
		}
	}
	var pe *fs.PathError
	return !errors.As(err, &pe)
}

func shortCommit(c string) string {
	if len(c) > 8 {
		return c[:8]
	}
	return c
}
