package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options says what to start on this node. The zero value of a field means its default.
type Options struct {
	NProcPerNode int // workers on this node (at least 1)
	NNodes       int // nodes in the job (default 1)
	NodeRank     int // this node's index, 0..NNodes-1
	// MasterAddr is the host of rank 0; it defaults to 127.0.0.1 only when NNodes is 1.
	MasterAddr string
	MasterPort int // default 29500, torchrun's

	// MaxRestarts is how many times the whole group is started again after a worker fails.
	MaxRestarts int
	// ThreadsPerProc is each worker's thread budget, given as OMP_NUM_THREADS and
	// HFTRAIN_NUM_THREADS (hftrain's num_threads). 0 means runtime.NumCPU()/NProcPerNode, at
	// least 1, and then a value already in Env wins; an explicit value always does.
	ThreadsPerProc int

	Command []string // argv of each worker: the hftrain binary and its arguments
	Env     []string // the workers' base environment; nil means os.Environ()

	Stdout, Stderr io.Writer // where the workers' prefixed lines go; nil discards
	// GracePeriod is how long stopped workers get between SIGTERM and SIGKILL (default 30s,
	// torchrun's).
	GracePeriod time.Duration
	// Logf receives the launcher's own messages; nil writes them as lines on Stderr.
	Logf func(string, ...any)
}

// DefaultMasterPort is torchrun's default --master-port.
const DefaultMasterPort = 29500

// DefaultGracePeriod is torchrun's: how long stopped workers get before SIGKILL.
const DefaultGracePeriod = 30 * time.Second

// resolve fills the defaults and checks the options; errors name the field.
func (o Options) resolve() (Options, error) {
	if o.NNodes == 0 {
		o.NNodes = 1
	}
	if o.MasterAddr == "" && o.NNodes == 1 {
		o.MasterAddr = "127.0.0.1"
	}
	if o.MasterPort == 0 {
		o.MasterPort = DefaultMasterPort
	}
	if o.GracePeriod <= 0 {
		o.GracePeriod = DefaultGracePeriod
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	switch {
	case o.NProcPerNode < 1:
		return o, fmt.Errorf("launch: NProcPerNode is %d; want at least 1", o.NProcPerNode)
	case o.NNodes < 1:
		return o, fmt.Errorf("launch: NNodes is %d; want at least 1", o.NNodes)
	case o.NodeRank < 0 || o.NodeRank >= o.NNodes:
		return o, fmt.Errorf("launch: NodeRank is %d; want 0..%d (NNodes is %d)", o.NodeRank, o.NNodes-1, o.NNodes)
	case o.MasterAddr == "":
		return o, fmt.Errorf("launch: MasterAddr is required when NNodes is %d (the host of rank 0, the same on every node)", o.NNodes)
	case o.MasterPort < 1 || o.MasterPort > 65535:
		return o, fmt.Errorf("launch: MasterPort is %d; want 1..65535", o.MasterPort)
	case o.MaxRestarts < 0:
		return o, fmt.Errorf("launch: MaxRestarts is %d; want 0 or more", o.MaxRestarts)
	case o.ThreadsPerProc < 0:
		return o, fmt.Errorf("launch: ThreadsPerProc is %d; want 0 (automatic) or more", o.ThreadsPerProc)
	case len(o.Command) == 0 || o.Command[0] == "":
		return o, errors.New("launch: Command is empty")
	}
	return o, nil
}

// Run starts NProcPerNode workers with torchrun's environment (see workerVars), prefixes their
// output lines with "[rank<r>]: ", and waits for them. It returns nil once every worker has
// exited 0.
//
// When a worker exits non-zero or is killed by a signal, Run stops the others (SIGTERM to each
// worker's process group, GracePeriod, then SIGKILL) and returns an *ExitError naming the rank.
// If restarts remain it first starts the whole group again with TORCHELASTIC_RESTART_COUNT one
// higher, which hftrain's train command reads as "resume from the newest complete checkpoint".
// Restarts are this node's own: every node's launcher needs MaxRestarts, and nothing coordinates
// them across nodes the way torchrun's rendezvous does. In practice they line up, because a
// failed rank makes its peers' collectives fail, so every node's workers exit and every launcher
// restarts its own group.
//
// When ctx ends (the command wires SIGINT and SIGTERM to it), Run stops the workers the same way
// and returns an error wrapping context.Cause(ctx). Workers receive SIGTERM whichever signal the
// launcher got: hftrain treats both alike.
func Run(ctx context.Context, o Options) error {
	o, err := o.resolve()
	if err != nil {
		return err
	}
	con := &console{}
	logf := o.Logf
	if logf == nil {
		logf = con.logf(o.Stderr)
	}
	first := o.NodeRank * o.NProcPerNode
	logf("launch: starting %d worker(s), ranks %d-%d of %d (node %d of %d), master %s:%d, %d thread(s) each",
		o.NProcPerNode, first, first+o.NProcPerNode-1, o.NNodes*o.NProcPerNode, o.NodeRank, o.NNodes,
		o.MasterAddr, o.MasterPort, threads(o))
	for restart := 0; ; restart++ {
		err := runGroup(ctx, o, con, logf, restart)
		var failed *ExitError
		if err == nil || !errors.As(err, &failed) || ctx.Err() != nil {
			return err
		}
		logf("%s", failed.Summary())
		if restart >= o.MaxRestarts {
			if o.MaxRestarts > 0 {
				return fmt.Errorf("%w; no restarts left (%d of %d used)", err, restart, o.MaxRestarts)
			}
			return err
		}
		logf("launch: rank %d failed (%s); restarting the group (restart %d of %d); workers resume from the newest complete checkpoint",
			failed.Rank, failed.status(), restart+1, o.MaxRestarts)
	}
}

// threads is each worker's thread budget.
func threads(o Options) int {
	if o.ThreadsPerProc > 0 {
		return o.ThreadsPerProc
	}
	return max(1, runtime.NumCPU()/o.NProcPerNode)
}

// workerVars are the variables the launcher sets for one worker, as torchrun's
// LocalElasticAgent._start_workers does (torch/distributed/elastic/agent/server/
// local_elastic_agent.py), plus the thread budget.
func workerVars(o Options, localRank, restart int) []string {
	world := o.NNodes * o.NProcPerNode
	rank := o.NodeRank*o.NProcPerNode + localRank
	vars := []string{
		"RANK=" + strconv.Itoa(rank),
		"WORLD_SIZE=" + strconv.Itoa(world),
		"LOCAL_RANK=" + strconv.Itoa(localRank),
		"LOCAL_WORLD_SIZE=" + strconv.Itoa(o.NProcPerNode),
		"GROUP_RANK=" + strconv.Itoa(o.NodeRank),
		"GROUP_WORLD_SIZE=" + strconv.Itoa(o.NNodes),
		"ROLE_NAME=default",
		"ROLE_RANK=" + strconv.Itoa(rank),
		"ROLE_WORLD_SIZE=" + strconv.Itoa(world),
		"MASTER_ADDR=" + o.MasterAddr,
		"MASTER_PORT=" + strconv.Itoa(o.MasterPort),
		"TORCHELASTIC_RESTART_COUNT=" + strconv.Itoa(restart),
		"TORCHELASTIC_MAX_RESTARTS=" + strconv.Itoa(o.MaxRestarts),
		"TORCHELASTIC_RUN_ID=none", // torchrun's default --rdzv-id
	}
	n := strconv.Itoa(threads(o))
	for _, name := range []string{"OMP_NUM_THREADS", "HFTRAIN_NUM_THREADS"} {
		if o.ThreadsPerProc > 0 || !hasVar(o.Env, name) {
			vars = append(vars, name+"="+n)
		}
	}
	return vars
}

// workerEnv is the base environment with the worker's variables replacing any of the same name
// (a Kubeflow pod's RANK is its node's index, for instance).
func workerEnv(o Options, localRank, restart int) []string {
	vars := workerVars(o, localRank, restart)
	set := make(map[string]bool, len(vars))
	for _, kv := range vars {
		name, _, _ := strings.Cut(kv, "=")
		set[name] = true
	}
	env := slices.DeleteFunc(slices.Clone(o.Env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return set[name]
	})
	return append(env, vars...)
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name && v != "" {
			return true
		}
	}
	return false
}
