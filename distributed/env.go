package distributed

import (
	"fmt"
	"strconv"
	"strings"
)

// World is this process's place in a data-parallel job.
type World struct {
	Rank, Size           int    // global
	LocalRank, LocalSize int    // on this node
	NodeRank             int    // GROUP_RANK / SLURM_NODEID / …, when known
	MasterAddr           string // host of rank 0
	MasterPort           int
	Source               string // "torchrun", "slurm", "kubeflow", "k8s-indexed-job", "none"

	from names // the variable each value came from, for error messages
}

// names records which environment variable each World field was read from.
type names struct{ rank, size, localRank, localSize, nodeRank, addr, port string }

// fieldNames names the fields of a World built in code rather than read from the environment.
func fieldNames() names {
	return names{"Rank", "Size", "LocalRank", "LocalSize", "NodeRank", "MasterAddr", "MasterPort"}
}

// torchrunNames are the variables torchrun (and hftrain launch) sets for every worker.
func torchrunNames() names {
	return names{"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT"}
}

// DefaultMasterPort is torchrun's default --master-port, used when a launcher sets MASTER_ADDR
// but no MASTER_PORT.
const DefaultMasterPort = 29500

// Source values of World.
const (
	SourceTorchrun   = "torchrun"
	SourceSlurm      = "slurm"
	SourceKubeflow   = "kubeflow"
	SourceIndexedJob = "k8s-indexed-job"
	SourceNone       = "none"
)

// WorldFromEnv reads this process's place in the job from the variables a launcher or scheduler
// sets; getenv is os.Getenv in production (an empty value counts as unset). The first of these
// that applies wins:
//
//  1. torchrun-style: RANK and WORLD_SIZE, with LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK,
//     MASTER_ADDR, MASTER_PORT (default 29500). torchrun, `hftrain launch` and a Kubeflow
//     PyTorchJob set these. Source is "kubeflow" when the training operator's PET_* variables are
//     present and no launcher ran on the node (no LOCAL_RANK, no TORCHELASTIC_RUN_ID): one process
//     per pod, node rank from PET_NODE_RANK. A PyTorchJob that sets no PET_* variable cannot be
//     told from hand-set variables and reads as "torchrun"; the values mean the same.
//  2. Slurm, for a task started by srun (SLURM_PROCID and the step's SLURM_STEP_NUM_TASKS set) in
//     a step of more than one task: rank SLURM_PROCID, size SLURM_STEP_NUM_TASKS, SLURM_LOCALID,
//     SLURM_NODEID, tasks on this node from SLURM_STEP_TASKS_PER_NODE / SLURM_TASKS_PER_NODE /
//     SLURM_NTASKS_PER_NODE, master the first host of SLURM_STEP_NODELIST / SLURM_NODELIST /
//     SLURM_JOB_NODELIST, port 15000 + the last four digits of SLURM_JOB_ID (12910 without one),
//     as Lightning's SLURMEnvironment does; MASTER_ADDR and MASTER_PORT override both. The batch
//     script itself and a salloc shell are not srun tasks (the batch script has SLURM_PROCID=0 and
//     the job's SLURM_NTASKS, but is one process): they read as a single process, and so does a
//     job named "bash" or "interactive", Lightning's way to opt out.
//  3. Kubeflow Trainer's torchrun variables alone (PET_NNODES, PET_NODE_RANK, PET_MASTER_ADDR,
//     PET_MASTER_PORT; a TrainJob sets no RANK): one process per pod, Source "kubeflow".
//  4. Kubernetes Indexed Job: rank JOB_COMPLETION_INDEX (set by Kubernetes), size WORLD_SIZE,
//     MASTER_ADDR (<job>-0.<headless service>) and MASTER_PORT set in the manifest. Without
//     WORLD_SIZE and MASTER_ADDR the pods are independent (a sweep), one process each.
//  5. Nothing: Size 1, Source "none", no error.
//
// A value that is not a number, is negative, or is out of range is an error naming the variable
// and its value, and so is a distributed world without MASTER_ADDR; the result passes Validate.
func WorldFromEnv(getenv func(string) string) (World, error) {
	e := env{getenv}
	var (
		w   World
		err error
	)
	switch {
	case e.has("RANK"):
		w, err = torchrunWorld(e)
	case e.has("SLURM_PROCID") && e.has("SLURM_STEP_NUM_TASKS") && !slurmOptOut(e):
		w, err = slurmWorld(e)
	case e.has("PET_NNODES") || e.has("PET_NODE_RANK"):
		w, err = trainerWorld(e)
	case e.has("JOB_COMPLETION_INDEX") && (e.has("WORLD_SIZE") || e.has("MASTER_ADDR")):
		w, err = indexedJobWorld(e)
	case e.has("WORLD_SIZE"):
		w, err = loneWorldSize(e)
	default:
		w = aloneWorld()
	}
	if err != nil {
		return World{}, err
	}
	if err := w.Validate(); err != nil {
		return World{}, err
	}
	return w, nil
}

// aloneWorld is the world of a process on its own.
func aloneWorld() World {
	return World{Size: 1, LocalSize: 1, Source: SourceNone, from: fieldNames()}
}

// Validate checks that the world is consistent; an error names the variable the bad value came
// from (or the World field, for a World built in code).
func (w World) Validate() error {
	n := w.from
	if n.rank == "" {
		n = fieldNames()
	}
	switch {
	case w.Size < 1:
		return fmt.Errorf("distributed: %s=%d must be at least 1", n.size, w.Size)
	case w.Rank < 0:
		return fmt.Errorf("distributed: %s=%d must not be negative", n.rank, w.Rank)
	case w.Rank >= w.Size:
		return fmt.Errorf("distributed: %s=%d must be below %s=%d", n.rank, w.Rank, n.size, w.Size)
	case w.LocalSize < 1:
		return fmt.Errorf("distributed: %s=%d must be at least 1", n.localSize, w.LocalSize)
	case w.LocalSize > w.Size:
		return fmt.Errorf("distributed: %s=%d is more than %s=%d", n.localSize, w.LocalSize, n.size, w.Size)
	case w.LocalRank < 0:
		return fmt.Errorf("distributed: %s=%d must not be negative", n.localRank, w.LocalRank)
	case w.LocalRank >= w.LocalSize:
		return fmt.Errorf("distributed: %s=%d must be below %s=%d", n.localRank, w.LocalRank, n.localSize, w.LocalSize)
	case w.NodeRank < 0:
		return fmt.Errorf("distributed: %s=%d must not be negative", n.nodeRank, w.NodeRank)
	case w.Size > 1 && w.MasterAddr == "":
		return fmt.Errorf("distributed: %s=%d but %s (the host of rank 0) is not set", n.size, w.Size, n.addr)
	case w.Size > 1 && (w.MasterPort < 1 || w.MasterPort > 65535):
		return fmt.Errorf("distributed: %s=%d is not a port (1-65535)", n.port, w.MasterPort)
	}
	return nil
}

// torchrunWorld reads the variables torchrun sets for each worker (and Kubeflow's PyTorchJob sets
// for each pod).
func torchrunWorld(e env) (World, error) {
	w := World{Source: SourceTorchrun, from: torchrunNames()}
	var err error
	if w.Rank, err = e.intVar("RANK"); err != nil {
		return World{}, err
	}
	if !e.has("WORLD_SIZE") {
		return World{}, fmt.Errorf("distributed: RANK=%s is set but WORLD_SIZE is not", e.get("RANK"))
	}
	if w.Size, err = e.intVar("WORLD_SIZE"); err != nil {
		return World{}, err
	}
	if err := readLocal(e, &w); err != nil {
		return World{}, err
	}
	launched := e.has("LOCAL_RANK") || e.has("TORCHELASTIC_RUN_ID")
	if !launched && (e.has("PET_NNODES") || e.has("PET_NODE_RANK") || e.has("PET_NPROC_PER_NODE")) {
		if err := kubeflowPod(e, &w); err != nil {
			return World{}, err
		}
	}
	return w, readMaster(e, &w)
}

// readLocal fills the local rank and size and the node rank from LOCAL_RANK, LOCAL_WORLD_SIZE and
// GROUP_RANK. Without LOCAL_RANK the process is alone on its node (a Kubeflow pod, a hand-set
// environment), and its node rank is its rank.
func readLocal(e env, w *World) error {
	var err error
	w.LocalSize, w.NodeRank = 1, w.Rank
	if e.has("LOCAL_RANK") {
		if w.LocalRank, err = e.intVar("LOCAL_RANK"); err != nil {
			return err
		}
		if !e.has("LOCAL_WORLD_SIZE") {
			return fmt.Errorf("distributed: LOCAL_RANK=%s is set but LOCAL_WORLD_SIZE is not", e.get("LOCAL_RANK"))
		}
		if w.LocalSize, err = e.intVar("LOCAL_WORLD_SIZE"); err != nil {
			return err
		}
		// torchrun lays ranks out node by node: rank = node*local_world_size + local_rank.
		w.NodeRank = (w.Rank - w.LocalRank) / max(w.LocalSize, 1)
	}
	if e.has("GROUP_RANK") {
		if w.NodeRank, err = e.intVar("GROUP_RANK"); err != nil {
			return err
		}
	}
	return nil
}

// kubeflowPod adjusts a torchrun-style world read in a PyTorchJob pod where no launcher ran: the
// operator's RANK and WORLD_SIZE then describe one process per pod, which only holds when
// PET_NPROC_PER_NODE (the job's nprocPerNode) is 1 or unset.
func kubeflowPod(e env, w *World) error {
	w.Source = SourceKubeflow
	if err := checkOneProcPerPod(e); err != nil {
		return err
	}
	if e.has("PET_NODE_RANK") {
		var err error
		if w.NodeRank, err = e.intVar("PET_NODE_RANK"); err != nil {
			return err
		}
		w.from.nodeRank = "PET_NODE_RANK"
	}
	return nil
}

// checkOneProcPerPod refuses PET_NPROC_PER_NODE > 1 for a process started without a launcher:
// such a pod is meant to run several workers, which `hftrain launch` starts (it reads PET_*).
// "auto", "cpu" and "gpu" are torchrun's device-dependent counts; a process run directly is one.
func checkOneProcPerPod(e env) error {
	v := e.get("PET_NPROC_PER_NODE")
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 1 {
		return fmt.Errorf("distributed: PET_NPROC_PER_NODE=%d asks for %d processes per pod, but this one was started directly: "+
			"run `hftrain launch -- <train args>` as the container command (it reads PET_*), or set nprocPerNode to 1", n, n)
	}
	return nil
}

// readMaster reads MASTER_ADDR and MASTER_PORT, falling back to Kubeflow Trainer's PET_ names.
func readMaster(e env, w *World) error {
	w.MasterAddr = e.get("MASTER_ADDR")
	if w.MasterAddr == "" && e.has("PET_MASTER_ADDR") {
		w.MasterAddr, w.from.addr = e.get("PET_MASTER_ADDR"), "PET_MASTER_ADDR"
	}
	w.MasterPort = DefaultMasterPort
	port := "MASTER_PORT"
	if !e.has(port) && e.has("PET_MASTER_PORT") {
		port = "PET_MASTER_PORT"
	}
	if e.has(port) {
		p, err := e.portVar(port)
		if err != nil {
			return err
		}
		w.MasterPort, w.from.port = p, port
	}
	return nil
}

// slurmOptOut reports a Slurm job that asked not to be treated as one: Lightning skips
// SLURMEnvironment for jobs named "bash" or "interactive" (srun --pty bash, salloc shells).
func slurmOptOut(e env) bool {
	name := e.get("SLURM_JOB_NAME")
	return name == "bash" || name == "interactive"
}

// slurmWorld reads a task of an srun step.
func slurmWorld(e env) (World, error) {
	w := World{Source: SourceSlurm, from: names{"SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "", "SLURM_NODEID", "", "MASTER_PORT"}}
	var err error
	if w.Size, err = e.intVar("SLURM_STEP_NUM_TASKS"); err != nil {
		return World{}, err
	}
	if w.Size <= 1 {
		return aloneWorld(), nil
	}
	if w.Rank, err = e.intVar("SLURM_PROCID"); err != nil {
		return World{}, err
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"SLURM_LOCALID", &w.LocalRank}, {"SLURM_NODEID", &w.NodeRank}} {
		if !e.has(v.name) {
			return World{}, fmt.Errorf("distributed: SLURM_PROCID=%d is set but %s is not", w.Rank, v.name)
		}
		if *v.dst, err = e.intVar(v.name); err != nil {
			return World{}, err
		}
	}
	if err := slurmLocalSize(e, &w); err != nil {
		return World{}, err
	}
	if err := slurmMaster(e, &w); err != nil {
		return World{}, err
	}
	return w, nil
}

// slurmLocalSize reads how many tasks run on this node: the step's per-node counts at this node's
// index, else the job's, else --ntasks-per-node.
func slurmLocalSize(e env, w *World) error {
	for _, name := range []string{"SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"} {
		if !e.has(name) {
			continue
		}
		counts, err := expandTasksPerNode(e.get(name))
		if err != nil {
			return fmt.Errorf("distributed: %s=%q: %w", name, e.get(name), err)
		}
		if w.NodeRank >= len(counts) {
			return fmt.Errorf("distributed: SLURM_NODEID=%d but %s=%q lists %d nodes", w.NodeRank, name, e.get(name), len(counts))
		}
		w.LocalSize, w.from.localSize = counts[w.NodeRank], name
		return nil
	}
	if e.has("SLURM_NTASKS_PER_NODE") {
		var err error
		w.LocalSize, err = e.intVar("SLURM_NTASKS_PER_NODE")
		w.from.localSize = "SLURM_NTASKS_PER_NODE"
		return err
	}
	return fmt.Errorf("distributed: SLURM_PROCID=%d is set but none of SLURM_STEP_TASKS_PER_NODE, SLURM_TASKS_PER_NODE, SLURM_NTASKS_PER_NODE is", w.Rank)
}

// slurmMaster picks rank 0's host and port as Lightning's SLURMEnvironment does.
func slurmMaster(e env, w *World) error {
	if e.has("MASTER_ADDR") {
		w.MasterAddr, w.from.addr = e.get("MASTER_ADDR"), "MASTER_ADDR"
	} else {
		for _, name := range []string{"SLURM_STEP_NODELIST", "SLURM_NODELIST", "SLURM_JOB_NODELIST"} {
			if e.has(name) {
				host, err := firstNode(e.get(name))
				if err != nil {
					return fmt.Errorf("distributed: %s: %w", name, err)
				}
				w.MasterAddr, w.from.addr = host, name
				break
			}
		}
		if w.MasterAddr == "" {
			w.from.addr = "SLURM_STEP_NODELIST"
		}
	}
	if e.has("MASTER_PORT") {
		p, err := e.portVar("MASTER_PORT")
		w.MasterPort = p
		return err
	}
	w.MasterPort = 12910
	for _, name := range []string{"SLURM_JOB_ID", "SLURM_JOBID"} {
		if !e.has(name) {
			continue
		}
		id := e.get(name)
		if _, err := parseIndex(id); err != nil {
			return fmt.Errorf("distributed: %s=%q is not an integer", name, id)
		}
		last4, _ := strconv.Atoi(id[max(len(id)-4, 0):])
		w.MasterPort, w.from.port = 15000+last4, name
		break
	}
	return nil
}

// indexedJobWorld reads a pod of a Kubernetes Indexed Job run as one process per pod.
func indexedJobWorld(e env) (World, error) {
	w := World{Source: SourceIndexedJob, LocalSize: 1, from: names{"JOB_COMPLETION_INDEX", "WORLD_SIZE", "", "", "JOB_COMPLETION_INDEX", "MASTER_ADDR", "MASTER_PORT"}}
	var err error
	if w.Rank, err = e.intVar("JOB_COMPLETION_INDEX"); err != nil {
		return World{}, err
	}
	if !e.has("WORLD_SIZE") {
		return World{}, fmt.Errorf("distributed: JOB_COMPLETION_INDEX=%d and MASTER_ADDR are set but WORLD_SIZE is not: set it to the Job's completions", w.Rank)
	}
	if w.Size, err = e.intVar("WORLD_SIZE"); err != nil {
		return World{}, err
	}
	w.NodeRank = w.Rank
	return w, readMaster(e, &w)
}

// trainerWorld reads a pod where Kubeflow set only the variables meant for torchrun (Kubeflow
// Trainer's TrainJob) and hftrain runs directly, one process per pod.
func trainerWorld(e env) (World, error) {
	w := World{Source: SourceKubeflow, LocalSize: 1, from: names{"PET_NODE_RANK", "PET_NNODES", "", "", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"}}
	if err := checkOneProcPerPod(e); err != nil {
		return World{}, err
	}
	var err error
	if w.Rank, err = e.intVar("PET_NODE_RANK"); err != nil {
		return World{}, err
	}
	if !e.has("PET_NNODES") {
		return World{}, fmt.Errorf("distributed: PET_NODE_RANK=%d is set but PET_NNODES is not", w.Rank)
	}
	if nn := e.get("PET_NNODES"); strings.Contains(nn, ":") {
		return World{}, fmt.Errorf("distributed: PET_NNODES=%q is an elastic range; hftrain needs a fixed number of nodes", nn)
	}
	if w.Size, err = e.intVar("PET_NNODES"); err != nil {
		return World{}, err
	}
	w.NodeRank = w.Rank
	w.MasterAddr = e.get("PET_MASTER_ADDR")
	if w.MasterAddr == "" && e.has("MASTER_ADDR") {
		w.MasterAddr, w.from.addr = e.get("MASTER_ADDR"), "MASTER_ADDR"
	}
	w.MasterPort = DefaultMasterPort
	for _, name := range []string{"PET_MASTER_PORT", "MASTER_PORT"} {
		if e.has(name) {
			if w.MasterPort, err = e.portVar(name); err != nil {
				return World{}, err
			}
			w.from.port = name
			break
		}
	}
	return w, nil
}

// loneWorldSize handles WORLD_SIZE without RANK: harmless when 1, a mistake otherwise.
func loneWorldSize(e env) (World, error) {
	n, err := e.intVar("WORLD_SIZE")
	if err != nil {
		return World{}, err
	}
	if n > 1 {
		return World{}, fmt.Errorf("distributed: WORLD_SIZE=%d is set but RANK is not", n)
	}
	return aloneWorld(), nil
}

// env reads variables through a getenv function; an empty value counts as unset.
type env struct{ getenv func(string) string }

func (e env) get(name string) string { return strings.TrimSpace(e.getenv(name)) }
func (e env) has(name string) bool   { return e.get(name) != "" }

// intVar parses a non-negative integer variable.
func (e env) intVar(name string) (int, error) {
	v := e.get(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("distributed: %s=%q is not an integer", name, v)
	}
	if n < 0 {
		return 0, fmt.Errorf("distributed: %s=%d must not be negative", name, n)
	}
	return n, nil
}

// portVar parses a TCP port variable.
func (e env) portVar(name string) (int, error) {
	v := e.get(name)
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("distributed: %s=%q is not a port (1-65535)", name, v)
	}
	return p, nil
}
