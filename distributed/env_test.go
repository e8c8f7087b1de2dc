package distributed

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateEnv rewrites testdata/env/*.golden from the current code: go test ./distributed -run
// TestWorldFromEnvGolden -update-env. (Not -update: other tests in this package may own that.)
var updateEnv = flag.Bool("update-env", false, "rewrite testdata/env/*.golden")

// TestWorldFromEnvGolden reads each testdata/env/*.env (a full environment as a scheduler or
// launcher leaves it, KEY=VALUE lines, # comments) and compares WorldFromEnv's result with the
// .golden beside it.
func TestWorldFromEnvGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/env/*.env")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/env/*.env (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".env")
		t.Run(name, func(t *testing.T) {
			vars := readEnvFile(t, file)
			got := describeWorld(WorldFromEnv(lookup(vars)))
			golden := strings.TrimSuffix(file, ".env") + ".golden"
			if *updateEnv {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-env to create it)", err)
			}
			if got != string(want) {
				t.Errorf("WorldFromEnv(%s):\n%s\nwant (%s):\n%s", file, got, golden, want)
			}
		})
	}
}

// describeWorld is the golden form of a result: the World's exported fields as JSON, or the error.
func describeWorld(w World, err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	b, jerr := json.MarshalIndent(w, "", "  ")
	if jerr != nil {
		return "error: " + jerr.Error() + "\n"
	}
	return string(b) + "\n"
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		vars[k] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vars
}

func lookup(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// parseVars turns "K=V K2=V2" into a map (values without spaces).
func parseVars(s string) map[string]string {
	vars := map[string]string{}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return vars
}

func TestWorldFromEnvErrors(t *testing.T) {
	const slurm = "SLURM_PROCID=1 SLURM_STEP_NUM_TASKS=4 SLURM_LOCALID=1 SLURM_NODEID=0 SLURM_JOB_ID=77 "
	for _, tc := range []struct{ name, env, want string }{
		{"rank not a number", "RANK=x WORLD_SIZE=2 MASTER_ADDR=h",
			`distributed: RANK="x" is not an integer`},
		{"rank negative", "RANK=-1 WORLD_SIZE=2 MASTER_ADDR=h",
			`distributed: RANK=-1 must not be negative`},
		{"rank too big", "RANK=4 WORLD_SIZE=4 MASTER_ADDR=h",
			`distributed: RANK=4 must be below WORLD_SIZE=4`},
		{"world size zero", "RANK=0 WORLD_SIZE=0",
			`distributed: WORLD_SIZE=0 must be at least 1`},
		{"rank without world size", "RANK=1",
			`distributed: RANK=1 is set but WORLD_SIZE is not`},
		{"world size without rank", "WORLD_SIZE=4 MASTER_ADDR=h",
			`distributed: WORLD_SIZE=4 is set but RANK is not`},
		{"no master", "RANK=1 WORLD_SIZE=2",
			`distributed: WORLD_SIZE=2 but MASTER_ADDR (the host of rank 0) is not set`},
		{"port too big", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h MASTER_PORT=70000",
			`distributed: MASTER_PORT="70000" is not a port (1-65535)`},
		{"port not a number", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h MASTER_PORT=http",
			`distributed: MASTER_PORT="http" is not a port (1-65535)`},
		{"local rank without local size", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h LOCAL_RANK=1",
			`distributed: LOCAL_RANK=1 is set but LOCAL_WORLD_SIZE is not`},
		{"local rank too big", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h LOCAL_RANK=2 LOCAL_WORLD_SIZE=2",
			`distributed: LOCAL_RANK=2 must be below LOCAL_WORLD_SIZE=2`},
		{"local size above size", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h LOCAL_RANK=1 LOCAL_WORLD_SIZE=4",
			`distributed: LOCAL_WORLD_SIZE=4 is more than WORLD_SIZE=2`},
		{"group rank not a number", "RANK=1 WORLD_SIZE=2 MASTER_ADDR=h GROUP_RANK=one",
			`distributed: GROUP_RANK="one" is not an integer`},
		{"slurm bad node list", slurm + "SLURM_STEP_TASKS_PER_NODE=4 SLURM_STEP_NODELIST=node[01-",
			`distributed: SLURM_STEP_NODELIST: distributed: node list "node[01-": unclosed '['`},
		{"slurm descending range", slurm + "SLURM_STEP_TASKS_PER_NODE=4 SLURM_NODELIST=node[04-01]",
			`distributed: SLURM_NODELIST: distributed: node list "node[04-01]": range "04-01" in brackets is descending`},
		{"slurm bad tasks per node", slurm + "SLURM_STEP_TASKS_PER_NODE=2(x SLURM_NODELIST=n1",
			`distributed: SLURM_STEP_TASKS_PER_NODE="2(x": item "2(x": want N or N(xM)`},
		{"slurm node beyond tasks per node", "SLURM_PROCID=1 SLURM_STEP_NUM_TASKS=4 SLURM_LOCALID=0 SLURM_NODEID=3 SLURM_STEP_TASKS_PER_NODE=2(x2) SLURM_NODELIST=n[1-2]",
			`distributed: SLURM_NODEID=3 but SLURM_STEP_TASKS_PER_NODE="2(x2)" lists 2 nodes`},
		{"slurm no node list", slurm + "SLURM_NTASKS_PER_NODE=4",
			`distributed: SLURM_STEP_NUM_TASKS=4 but SLURM_STEP_NODELIST (the host of rank 0) is not set`},
		{"slurm no local id", "SLURM_PROCID=1 SLURM_STEP_NUM_TASKS=4 SLURM_NODEID=0",
			`distributed: SLURM_PROCID=1 is set but SLURM_LOCALID is not`},
		{"slurm no tasks per node", slurm + "SLURM_NODELIST=n1",
			`distributed: SLURM_PROCID=1 is set but none of SLURM_STEP_TASKS_PER_NODE, SLURM_TASKS_PER_NODE, SLURM_NTASKS_PER_NODE is`},
		{"slurm bad job id", "SLURM_PROCID=1 SLURM_STEP_NUM_TASKS=4 SLURM_LOCALID=1 SLURM_NODEID=0 SLURM_NTASKS_PER_NODE=4 SLURM_NODELIST=n1 SLURM_JOB_ID=12a",
			`distributed: SLURM_JOB_ID="12a" is not an integer`},
		{"slurm rank too big", "SLURM_PROCID=4 SLURM_STEP_NUM_TASKS=4 SLURM_LOCALID=0 SLURM_NODEID=0 SLURM_NTASKS_PER_NODE=4 SLURM_NODELIST=n1",
			`distributed: SLURM_PROCID=4 must be below SLURM_STEP_NUM_TASKS=4`},
		{"indexed job without world size", "JOB_COMPLETION_INDEX=1 MASTER_ADDR=job-0.svc",
			`distributed: JOB_COMPLETION_INDEX=1 and MASTER_ADDR are set but WORLD_SIZE is not: set it to the Job's completions`},
		{"indexed job index too big", "JOB_COMPLETION_INDEX=4 WORLD_SIZE=4 MASTER_ADDR=job-0.svc",
			`distributed: JOB_COMPLETION_INDEX=4 must be below WORLD_SIZE=4`},
		{"indexed job without master", "JOB_COMPLETION_INDEX=1 WORLD_SIZE=4",
			`distributed: WORLD_SIZE=4 but MASTER_ADDR (the host of rank 0) is not set`},
		{"kubeflow elastic nnodes", "PET_NNODES=1:4 PET_NODE_RANK=0 PET_MASTER_ADDR=m",
			`distributed: PET_NNODES="1:4" is an elastic range; hftrain needs a fixed number of nodes`},
		{"kubeflow no master", "PET_NNODES=2 PET_NODE_RANK=1",
			`distributed: PET_NNODES=2 but PET_MASTER_ADDR (the host of rank 0) is not set`},
		{"kubeflow bad port", "PET_NNODES=2 PET_NODE_RANK=1 PET_MASTER_ADDR=m PET_MASTER_PORT=0",
			`distributed: PET_MASTER_PORT="0" is not a port (1-65535)`},
		{"kubeflow several procs per pod", "PET_NNODES=2 PET_NODE_RANK=1 PET_NPROC_PER_NODE=2 PET_MASTER_ADDR=m",
			"distributed: PET_NPROC_PER_NODE=2 asks for 2 processes per pod, but this one was started directly: " +
				"run `hftrain launch -- <train args>` as the container command (it reads PET_*), or set nprocPerNode to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := WorldFromEnv(lookup(parseVars(tc.env)))
			if err == nil {
				t.Fatalf("WorldFromEnv(%s) = %+v, want error %q", tc.env, w, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("WorldFromEnv(%s):\n got %q\nwant %q", tc.env, err, tc.want)
			}
		})
	}
}

// TestWorldFromEnvPrecedence checks which source wins when several are present.
func TestWorldFromEnvPrecedence(t *testing.T) {
	const srun = "SLURM_PROCID=1 SLURM_STEP_NUM_TASKS=2 SLURM_LOCALID=1 SLURM_NODEID=0 SLURM_STEP_TASKS_PER_NODE=2 SLURM_STEP_NODELIST=n7 "
	for _, tc := range []struct{ name, env, source string }{
		{"torchrun inside an srun task", srun + "RANK=0 WORLD_SIZE=1", SourceTorchrun},
		{"slurm", srun, SourceSlurm},
		{"single-task srun step", "SLURM_PROCID=0 SLURM_STEP_NUM_TASKS=1 SLURM_LOCALID=0 SLURM_NODEID=0", SourceNone},
		{"slurm step before an indexed job", srun + "JOB_COMPLETION_INDEX=0 WORLD_SIZE=2 MASTER_ADDR=a", SourceSlurm},
		{"torchrun inside an indexed job", "JOB_COMPLETION_INDEX=1 WORLD_SIZE=2 MASTER_ADDR=a RANK=0 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1", SourceTorchrun},
		{"world size 1 alone", "WORLD_SIZE=1", SourceNone},
		{"empty values are unset", "RANK= WORLD_SIZE= MASTER_ADDR=", SourceNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := WorldFromEnv(lookup(parseVars(tc.env)))
			if err != nil {
				t.Fatal(err)
			}
			if w.Source != tc.source {
				t.Errorf("Source = %q, want %q (%+v)", w.Source, tc.source, w)
			}
		})
	}
}

func TestWorldValidateNamesFields(t *testing.T) {
	for _, tc := range []struct {
		w    World
		want string
	}{
		{World{Size: 1, LocalSize: 1}, ""},
		{World{Rank: 2, Size: 2, LocalSize: 1}, "distributed: Rank=2 must be below Size=2"},
		{World{Rank: 1, Size: 2, LocalSize: 1, MasterPort: 29500}, "distributed: Size=2 but MasterAddr (the host of rank 0) is not set"},
		{World{Rank: 1, Size: 2, LocalSize: 1, MasterAddr: "h"}, "distributed: MasterPort=0 is not a port (1-65535)"},
		{World{Size: 2, LocalSize: 1, NodeRank: -1, MasterAddr: "h", MasterPort: 1}, "distributed: NodeRank=-1 must not be negative"},
	} {
		err := tc.w.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%+v.Validate() = %q, want %q", tc.w, got, tc.want)
		}
	}
}
