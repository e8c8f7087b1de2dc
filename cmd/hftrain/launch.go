package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hftrain/hftrain/distributed/launch"
)

// launchCmd is `hftrain launch`: torchrun for hftrain. It starts --nproc-per-node workers, each
// `hftrain train <args after -->` with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR and MASTER_PORT set, splits the machine's cores between them, prefixes their
// lines with "[rankN]: ", stops them all when one fails (SIGINT/SIGTERM are passed on), and with
// --max-restarts K starts the group again from the newest complete checkpoint.
func launchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	own, workerArgs, found := cutArgs(args)
	fs := flag.NewFlagSet("launch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: hftrain launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P] [--max-restarts K] -- --config FILE [--set key=value ...]\n\n")
		fs.PrintDefaults()
	}
	var o launch.Options
	// torchrun spells its flags both ways (--nproc-per-node, --nproc_per_node); so does this.
	intFlag := func(p *int, name string, def int, help string) {
		fs.IntVar(p, name, def, help)
		fs.IntVar(p, strings.ReplaceAll(name, "-", "_"), def, "same as --"+name)
	}
	strFlag := func(p *string, name, def, help string) {
		fs.StringVar(p, name, def, help)
		fs.StringVar(p, strings.ReplaceAll(name, "-", "_"), def, "same as --"+name)
	}
	intFlag(&o.NProcPerNode, "nproc-per-node", 1, "workers on this machine")
	fs.IntVar(&o.NNodes, "nnodes", 1, "machines in the job")
	intFlag(&o.NodeRank, "node-rank", 0, "this machine's index, 0..nnodes-1")
	strFlag(&o.MasterAddr, "master-addr", "", "host of rank 0 (default 127.0.0.1 on one machine; required with --nnodes > 1)")
	intFlag(&o.MasterPort, "master-port", launch.DefaultMasterPort, "port rank 0 listens on")
	intFlag(&o.MaxRestarts, "max-restarts", 0, "restart the whole group this many times after a failure, resuming from the newest complete checkpoint")
	intFlag(&o.ThreadsPerProc, "threads-per-proc", 0, "num_threads of each worker (default: this machine's cores / nproc-per-node)")
	var grace time.Duration
	fs.DurationVar(&grace, "grace-period", launch.DefaultGracePeriod, "how long stopped workers get between SIGTERM and SIGKILL")
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("launch: unexpected argument %q; the training arguments go after --: hftrain launch --nproc-per-node 2 -- --config FILE", fs.Arg(0))
	}
	if !found || len(workerArgs) == 0 {
		return errors.New("launch: no training arguments; write them after --: hftrain launch --nproc-per-node 2 -- --config FILE")
	}
	if workerArgs[0] == "train" {
		workerArgs = workerArgs[1:]
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("launch: finding the hftrain binary: %w", err)
	}
	o.Command = append([]string{exe, "train"}, workerArgs...)
	o.Stdout, o.Stderr = stdout, stderr
	o.GracePeriod = grace
	return launch.Run(ctx, o)
}

// cutArgs splits the command line at the first "--": the launcher's flags before, the workers'
// arguments after.
func cutArgs(args []string) (own, rest []string, found bool) {
	i := slices.Index(args, "--")
	if i < 0 {
		return args, nil, false
	}
	return args[:i], args[i+1:], true
}
