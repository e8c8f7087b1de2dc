package launch

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// drainDelay bounds how long the launcher waits, once a group has ended, for output from
// children a worker left behind that still hold its stdout or stderr open.
const drainDelay = 2 * time.Second

// group is one attempt: the workers of this node, started together.
type group struct {
	o       Options
	logf    func(string, ...any)
	restart int
	workers []*worker
	done    chan exit
}

type worker struct {
	localRank, rank int
	cmd             *exec.Cmd
	stdout, stderr  *lineWriter
	readers         []*os.File     // the launcher's ends of the output pipes
	copies          sync.WaitGroup // the goroutines copying them into stdout and stderr
	exited          bool           // touched only by the goroutine running group.wait
}

// exit is a worker's end, as its Wait goroutine saw it.
type exit struct {
	w  *worker
	at time.Time
}

// runGroup starts every worker and waits for the group to end.
func runGroup(ctx context.Context, o Options, con *console, logf func(string, ...any), restart int) error {
	g := &group{o: o, logf: logf, restart: restart, done: make(chan exit, o.NProcPerNode)}
	for local := range o.NProcPerNode {
		w, err := g.startWorker(con, local)
		if err != nil {
			g.signal(syscall.SIGKILL)
			for range g.workers {
				<-g.done
			}
			g.drain()
			return err
		}
		g.workers = append(g.workers, w)
	}
	return g.wait(ctx)
}

// startWorker starts one worker in a process group of its own. Its output goes through pipes the
// launcher reads itself (rather than exec's copying goroutines, which Wait waits for), so that a
// worker's exit is seen at once even while a child it started still holds the pipes.
func (g *group) startWorker(con *console, local int) (*worker, error) {
	rank := g.o.NodeRank*g.o.NProcPerNode + local
	w := &worker{localRank: local, rank: rank}
	w.stdout = newLineWriter(con, g.o.Stdout, RankPrefix(rank))
	w.stderr = newLineWriter(con, g.o.Stderr, RankPrefix(rank))
	w.cmd = exec.Command(g.o.Command[0], g.o.Command[1:]...)
	w.cmd.Env = workerEnv(g.o, local, g.restart)
	ownProcessGroup(w.cmd)
	var writers []*os.File
	for _, dst := range []*lineWriter{w.stdout, w.stderr} {
		pr, pw, err := os.Pipe()
		if err != nil {
			closeAll(writers)
			closeAll(w.readers)
			return nil, fmt.Errorf("launch: rank %d: output pipe: %w", rank, err)
		}
		w.readers, writers = append(w.readers, pr), append(writers, pw)
		w.copies.Add(1)
		go func() {
			defer w.copies.Done()
			_, _ = io.Copy(dst, pr) // ends at EOF, or when drain closes pr
		}()
	}
	w.cmd.Stdout, w.cmd.Stderr = writers[0], writers[1]
	err := w.cmd.Start()
	closeAll(writers) // the worker has its copies; EOF comes once it and its children are gone
	if err != nil {
		closeAll(w.readers)
		w.copies.Wait()
		return nil, fmt.Errorf("launch: starting rank %d: %w", rank, err)
	}
	go func() {
		_ = w.cmd.Wait() // the ProcessState says how it ended
		g.done <- exit{w: w, at: time.Now()}
	}()
	return w, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// wait collects the workers' exits. The first failure, or the end of ctx, stops the others:
// SIGTERM, then SIGKILL after the grace period.
func (g *group) wait(ctx context.Context) error {
	var (
		failed    *ExitError
		cause     error
		stopped   int
		kill      <-chan time.Time
		interrupt = ctx.Done()
	)
	for running := len(g.workers); running > 0; {
		select {
		case ex := <-g.done:
			running--
			ex.w.exited = true
			switch {
			case failed != nil:
				failed.Others = append(failed.Others, describe(ex.w))
			case ex.w.cmd.ProcessState.Success():
			case cause == nil:
				failed = g.exitError(ex, running)
				kill = g.terminate(running)
			}
		case <-interrupt:
			interrupt, cause, stopped = nil, context.Cause(ctx), running
			if kill == nil {
				g.logf("launch: %v; stopping %d worker%s", cause, running, plural(running))
				kill = g.terminate(running)
			}
		case <-kill:
			kill = nil
			g.logf("launch: %d worker%s still running %v after SIGTERM; sending SIGKILL", running, plural(running), g.o.GracePeriod)
			g.signal(syscall.SIGKILL)
		}
	}
	if failed != nil || cause != nil {
		g.sweep()
	}
	g.drain()
	switch {
	case failed != nil:
		failed.LastLine = g.workers[failed.LocalRank].stderr.lastLine()
		if cause != nil {
			return fmt.Errorf("launch: interrupted (%w) while stopping the workers after: %w", cause, failed)
		}
		return failed
	case cause != nil:
		return fmt.Errorf("launch: interrupted (%w); stopped %d worker%s", cause, stopped, plural(stopped))
	}
	return nil
}

// terminate sends SIGTERM to the running workers and returns when to escalate to SIGKILL.
func (g *group) terminate(running int) <-chan time.Time {
	if running == 0 {
		return nil
	}
	g.signal(syscall.SIGTERM)
	return time.After(g.o.GracePeriod)
}

// signal sends sig to the process group of every worker that has not exited yet.
func (g *group) signal(sig syscall.Signal) {
	for _, w := range g.workers {
		if w.exited {
			continue
		}
		if err := signalGroup(w.cmd.Process, sig); err != nil {
			g.logf("launch: signalling rank %d (pid %d): %v", w.rank, w.cmd.Process.Pid, err)
		}
	}
}

// sweep kills what is left in the workers' process groups (children a worker started), so that
// nothing of a stopped group outlives it and holds ports or files a restart needs.
func (g *group) sweep() {
	for _, w := range g.workers {
		_ = signalGroup(w.cmd.Process, syscall.SIGKILL) // most groups are gone: nothing to report
	}
}

// drain waits (at most drainDelay) for the rest of the workers' output, then shows their last
// lines that had no newline.
func (g *group) drain() {
	copied := make(chan struct{})
	go func() {
		for _, w := range g.workers {
			w.copies.Wait()
		}
		close(copied)
	}()
	select {
	case <-copied:
	case <-time.After(drainDelay):
		g.logf("launch: output pipes still open %v after the workers exited (a child process left behind?); closing them", drainDelay)
		for _, w := range g.workers {
			closeAll(w.readers)
		}
		<-copied
	}
	for _, w := range g.workers {
		closeAll(w.readers)
		w.stdout.Flush()
		w.stderr.Flush()
	}
}

func (g *group) exitError(ex exit, running int) *ExitError {
	code, sig := describeExit(ex.w.cmd.ProcessState)
	host, _ := os.Hostname()
	return &ExitError{
		Rank: ex.w.rank, LocalRank: ex.w.localRank, PID: ex.w.cmd.Process.Pid,
		ExitCode: code, Signal: sig, Time: ex.at, Host: host,
		Stopped: running, Restart: g.restart,
	}
}

// describe is one line on how a stopped worker ended.
func describe(w *worker) string {
	code, sig := describeExit(w.cmd.ProcessState)
	if sig != "" {
		return fmt.Sprintf("rank %d (pid %d): killed by %s", w.rank, w.cmd.Process.Pid, sig)
	}
	return fmt.Sprintf("rank %d (pid %d): exit status %d", w.rank, w.cmd.Process.Pid, code)
}
