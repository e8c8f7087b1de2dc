package distributed_test

// These tests keep the scheduler examples in this folder honest: they parse the manifests and the
// batch script, build the environment each scheduler would give every pod or task, and check that
// distributed.WorldFromEnv turns it into one consistent world (each rank once, one size, one
// master). They also load finetune.yaml with hftrain's config loader. Nothing touches the network.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hftrain/hftrain/config"
	"github.com/hftrain/hftrain/distributed"
)

const (
	pytorchJobFile = "k8s-pytorchjob.yaml"
	indexedJobFile = "k8s-indexed-job.yaml"
	sbatchFile     = "slurm.sbatch"
	finetuneFile   = "finetune.yaml"
	// repoRoot is where the batch script is submitted from, relative to this folder.
	repoRoot = "../.."
)

// The parts of the Kubernetes objects the tests look at.
type (
	objectMeta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom any    `yaml:"valueFrom"`
	}
	containerPort struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	}
	volumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
	container struct {
		Name         string          `yaml:"name"`
		Image        string          `yaml:"image"`
		Command      []string        `yaml:"command"`
		Args         []string        `yaml:"args"`
		Ports        []containerPort `yaml:"ports"`
		Env          []envVar        `yaml:"env"`
		VolumeMounts []volumeMount   `yaml:"volumeMounts"`
	}
	volume struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	}
	podTemplate struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			Subdomain     string      `yaml:"subdomain"`
			RestartPolicy string      `yaml:"restartPolicy"`
			Containers    []container `yaml:"containers"`
			Volumes       []volume    `yaml:"volumes"`
		} `yaml:"spec"`
	}
	replicaSpec struct {
		Replicas      *int        `yaml:"replicas"`
		RestartPolicy string      `yaml:"restartPolicy"`
		Template      podTemplate `yaml:"template"`
	}
	pyTorchJob struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			NprocPerNode        *string                `yaml:"nprocPerNode"`
			ElasticPolicy       any                    `yaml:"elasticPolicy"`
			PyTorchReplicaSpecs map[string]replicaSpec `yaml:"pytorchReplicaSpecs"`
		} `yaml:"spec"`
	}
	batchJob struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			CompletionMode string      `yaml:"completionMode"`
			Completions    *int        `yaml:"completions"`
			Parallelism    *int        `yaml:"parallelism"`
			Template       podTemplate `yaml:"template"`
		} `yaml:"spec"`
	}
	service struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			ClusterIP string            `yaml:"clusterIP"`
			Selector  map[string]string `yaml:"selector"`
			Ports     []struct {
				Name string `yaml:"name"`
				Port int    `yaml:"port"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	configMap struct {
		Metadata objectMeta        `yaml:"metadata"`
		Data     map[string]string `yaml:"data"`
	}
	pvc struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			AccessModes []string `yaml:"accessModes"`
		} `yaml:"spec"`
	}
)

// doc is one YAML document of a manifest.
type doc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	node       yaml.Node
}

// manifest is a multi-document Kubernetes file.
type manifest struct {
	name string
	docs []doc
}

func readManifest(t *testing.T, name string) manifest {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseManifest(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parseManifest(name string, b []byte) (manifest, error) {
	m := manifest{name: name}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("%s: document %d: %w", name, len(m.docs)+1, err)
		}
		d := doc{node: n}
		if err := n.Decode(&d); err != nil {
			return m, fmt.Errorf("%s: document %d: %w", name, len(m.docs)+1, err)
		}
		if d.APIVersion == "" || d.Kind == "" {
			return m, fmt.Errorf("%s: document %d has no apiVersion or kind", name, len(m.docs)+1)
		}
		m.docs = append(m.docs, d)
	}
	return m, nil
}

func (m manifest) kinds() []string {
	var out []string
	for _, d := range m.docs {
		out = append(out, d.APIVersion+" "+d.Kind)
	}
	return out
}

// one decodes the only document of the given kind into v.
func (m manifest) one(kind string, v any) error {
	var found []doc
	for _, d := range m.docs {
		if d.Kind == kind {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return fmt.Errorf("%s: want 1 %s, found %d", m.name, kind, len(found))
	}
	return found[0].node.Decode(v)
}

func TestManifestKinds(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{pytorchJobFile, []string{"v1 ConfigMap", "v1 PersistentVolumeClaim", "kubeflow.org/v1 PyTorchJob"}},
		{indexedJobFile, []string{"v1 ConfigMap", "v1 PersistentVolumeClaim", "v1 Service", "batch/v1 Job"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := readManifest(t, tc.file)
			if got := m.kinds(); !slices.Equal(got, tc.want) {
				t.Errorf("documents are %q, want %q", got, tc.want)
			}
		})
	}
}

// podSpecs is every pod template of a manifest, by a name for messages.
func podSpecs(t *testing.T, m manifest) map[string]podTemplate {
	t.Helper()
	out := map[string]podTemplate{}
	for _, d := range m.docs {
		switch d.Kind {
		case "PyTorchJob":
			var j pyTorchJob
			if err := d.node.Decode(&j); err != nil {
				t.Fatal(err)
			}
			for name, r := range j.Spec.PyTorchReplicaSpecs {
				out["PyTorchJob "+name] = r.Template
			}
		case "Job":
			var j batchJob
			if err := d.node.Decode(&j); err != nil {
				t.Fatal(err)
			}
			out["Job"] = j.Spec.Template
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no pod template", m.name)
	}
	return out
}

// TestManifestPods checks that every pod runs hftrain on the config from the ConfigMap, that the
// ConfigMap holds finetune.yaml as it is in this folder, and that output_dir is on the PVC.
func TestManifestPods(t *testing.T) {
	want, err := os.ReadFile(finetuneFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(finetuneFile, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{pytorchJobFile, indexedJobFile} {
		t.Run(file, func(t *testing.T) {
			m := readManifest(t, file)
			var cm configMap
			if err := m.one("ConfigMap", &cm); err != nil {
				t.Fatal(err)
			}
			if got := cm.Data[finetuneFile]; got != string(want) {
				t.Errorf("ConfigMap %s: data[%q] differs from %s; copy the file into the manifest (indented 4 spaces)",
					cm.Metadata.Name, finetuneFile, finetuneFile)
			}
			var claim pvc
			if err := m.one("PersistentVolumeClaim", &claim); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(claim.Spec.AccessModes, "ReadWriteMany") {
				t.Errorf("PVC %s: accessModes %q: pods on different nodes all mount it, want ReadWriteMany", claim.Metadata.Name, claim.Spec.AccessModes)
			}
			for name, pod := range podSpecs(t, m) {
				if err := checkPod(pod, cm, claim.Metadata.Name, cfg.Training.OutputDir); err != nil {
					t.Errorf("%s: %s: %v", file, name, err)
				}
			}
		})
	}
}

// checkPod checks one pod template: its first container runs `hftrain --config F` where F is a
// key of the ConfigMap mounted in the pod, and outputDir lies under the PVC's mount.
func checkPod(pod podTemplate, cm configMap, claim, outputDir string) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(pod.Spec.Containers) != 1 {
		return fmt.Errorf("want 1 container, got %d", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(argv) == 0 || path.Base(argv[0]) != "hftrain" {
		bad("container %s runs %q, want hftrain", c.Name, argv)
	}
	cfgPath, ok := flagValue(argv, "--config")
	if !ok {
		bad("container %s: %q has no --config", c.Name, argv)
	}
	if c.Image == "" {
		bad("container %s has no image", c.Name)
	}
	if pod.Spec.RestartPolicy != "" && pod.Spec.RestartPolicy != "Never" {
		bad("restartPolicy %q: a pod restarted alone cannot rejoin the world; want Never", pod.Spec.RestartPolicy)
	}
	mounts := map[string]string{} // volume name -> mount path
	for _, vm := range c.VolumeMounts {
		mounts[vm.Name] = vm.MountPath
	}
	var cfgMounted, outMounted bool
	for _, v := range pod.Spec.Volumes {
		at, ok := mounts[v.Name]
		if !ok {
			continue
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == cm.Metadata.Name {
			rel, err := filepath.Rel(at, cfgPath)
			if _, key := cm.Data[rel]; err == nil && key {
				cfgMounted = true
			}
		}
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim && under(outputDir, at) {
			outMounted = true
		}
	}
	if !cfgMounted {
		bad("--config %s is not a key of ConfigMap %s mounted in the container", cfgPath, cm.Metadata.Name)
	}
	if !outMounted {
		bad("output_dir %s is not under the mount of PVC %s", outputDir, claim)
	}
	return errors.Join(errs...)
}

func under(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// flagValue finds "--name value" or "--name=value" in argv.
func flagValue(argv []string, name string) (string, bool) {
	for i, a := range argv {
		if a == name && i+1 < len(argv) {
			return argv[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// wantWorld is what every process of a job should agree on.
type wantWorld struct {
	size       int
	masterAddr string
	masterPort int
	source     string
}

// checkWorld reads each process's environment with distributed.WorldFromEnv and checks the worlds
// form one job: every rank 0..size-1 exactly once, one size, one master, local ranks unique on
// each node.
func checkWorld(envs []map[string]string, want wantWorld) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(envs) != want.size {
		bad("%d processes, want %d", len(envs), want.size)
	}
	ranks := map[int]int{}     // rank -> process index
	local := map[[2]int]int{}  // (node rank, local rank) -> process index
	localSize := map[int]int{} // node rank -> local size
	for i, env := range envs {
		w, err := distributed.WorldFromEnv(func(k string) string { return env[k] })
		if err != nil {
			bad("process %d: %v", i, err)
			continue
		}
		if w.Size != want.size {
			bad("process %d: Size %d, want %d", i, w.Size, want.size)
		}
		if w.MasterAddr != want.masterAddr || w.MasterPort != want.masterPort {
			bad("process %d: master %s:%d, want %s:%d", i, w.MasterAddr, w.MasterPort, want.masterAddr, want.masterPort)
		}
		if w.Source != want.source {
			bad("process %d: Source %q, want %q", i, w.Source, want.source)
		}
		if j, dup := ranks[w.Rank]; dup {
			bad("processes %d and %d both have rank %d", j, i, w.Rank)
		}
		ranks[w.Rank] = i
		key := [2]int{w.NodeRank, w.LocalRank}
		if j, dup := local[key]; dup {
			bad("processes %d and %d both have local rank %d on node %d", j, i, w.LocalRank, w.NodeRank)
		}
		local[key] = i
		if n, seen := localSize[w.NodeRank]; seen && n != w.LocalSize {
			bad("process %d: LocalSize %d on node %d, another process there has %d", i, w.LocalSize, w.NodeRank, n)
		}
		localSize[w.NodeRank] = w.LocalSize
	}
	for r := range want.size {
		if _, ok := ranks[r]; !ok && len(errs) == 0 {
			bad("no process has rank %d", r)
		}
	}
	return errors.Join(errs...)
}

// manifestEnv is the container's own env with literal values (valueFrom ones, such as an
// optional secret, are left unset).
func manifestEnv(c container) map[string]string {
	env := map[string]string{"HOME": "/root", "PATH": "/usr/local/bin:/usr/bin:/bin"}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	return env
}

// pytorchJobEnvs is the environment the Kubeflow training-operator (pkg/controller.v1/pytorch,
// envvar.go and master.go) gives the pods of a PyTorchJob, master first. legacy leaves out the
// PET_* variables, as operators before v1.7 did.
func pytorchJobEnvs(j pyTorchJob, legacy bool) ([]map[string]string, error) {
	specs := j.Spec.PyTorchReplicaSpecs
	master, ok := specs["Master"]
	if !ok {
		return nil, errors.New("no Master replica spec: the operator sets MASTER_ADDR and RANK only with one")
	}
	total := 0
	for _, r := range specs {
		if r.Replicas == nil {
			return nil, errors.New("a replica spec has no replicas")
		}
		total += *r.Replicas
	}
	nproc := "auto" // the operator's default
	if j.Spec.NprocPerNode != nil {
		nproc = *j.Spec.NprocPerNode
	}
	nprocInt, err := strconv.Atoi(nproc)
	if err != nil {
		nprocInt = 1 // getNprocPerNodeInt
	}
	port := -1
	for _, c := range master.Template.Spec.Containers {
		if c.Name != "pytorch" {
			continue
		}
		for _, p := range c.Ports {
			if p.Name == "pytorchjob-port" {
				port = p.ContainerPort
			}
		}
	}
	if port < 0 {
		return nil, errors.New(`Master has no container "pytorch" with a port named "pytorchjob-port": the operator takes MASTER_PORT from it`)
	}
	addr := j.Metadata.Name + "-master-0"
	var envs []map[string]string
	for _, rtype := range []string{"Master", "Worker"} {
		r, ok := specs[rtype]
		if !ok {
			continue
		}
		for i := range *r.Replicas {
			rank := i
			if rtype == "Worker" {
				rank = i + 1
			}
			for _, c := range r.Template.Spec.Containers {
				env := manifestEnv(c)
				env["HOSTNAME"] = fmt.Sprintf("%s-%s-%d", j.Metadata.Name, strings.ToLower(rtype), i)
				env["PYTHONUNBUFFERED"] = "0"
				env["MASTER_PORT"] = strconv.Itoa(port)
				env["MASTER_ADDR"] = addr
				env["WORLD_SIZE"] = strconv.Itoa(total * nprocInt)
				env["RANK"] = strconv.Itoa(rank)
				if !legacy {
					env["PET_MASTER_ADDR"] = addr
					env["PET_MASTER_PORT"] = strconv.Itoa(port)
					env["PET_NPROC_PER_NODE"] = nproc
					env["PET_NODE_RANK"] = strconv.Itoa(rank)
					if j.Spec.ElasticPolicy == nil {
						env["PET_NNODES"] = strconv.Itoa(total)
					}
				}
				if c.Name == "pytorch" {
					envs = append(envs, env)
				}
			}
		}
	}
	return envs, nil
}

func TestPyTorchJobWorld(t *testing.T) {
	m := readManifest(t, pytorchJobFile)
	var j pyTorchJob
	if err := m.one("PyTorchJob", &j); err != nil {
		t.Fatal(err)
	}
	for rtype, want := range map[string]int{"Master": 1, "Worker": 1} {
		if r, ok := j.Spec.PyTorchReplicaSpecs[rtype]; !ok || r.Replicas == nil || *r.Replicas != want {
			t.Errorf("%s replicas: want %d", rtype, want)
		}
	}
	if len(j.Spec.PyTorchReplicaSpecs) != 2 {
		t.Errorf("replica specs %v, want Master and Worker", slices.Sorted(maps.Keys(j.Spec.PyTorchReplicaSpecs)))
	}
	for rtype, r := range j.Spec.PyTorchReplicaSpecs {
		if r.RestartPolicy != "Never" {
			t.Errorf("%s restartPolicy %q: a pod restarted alone cannot rejoin the world; want Never", rtype, r.RestartPolicy)
		}
		names := []string{}
		for _, c := range r.Template.Spec.Containers {
			names = append(names, c.Name)
		}
		if !slices.Contains(names, "pytorch") {
			t.Errorf("containers %q: the operator sets its variables in the container named \"pytorch\"", names)
		}
	}
	for _, tc := range []struct {
		name   string
		legacy bool
		source string
	}{
		{"operator v1.7+", false, distributed.SourceKubeflow},
		{"operator before v1.7 (no PET_*)", true, distributed.SourceTorchrun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs, err := pytorchJobEnvs(j, tc.legacy)
			if err != nil {
				t.Fatal(err)
			}
			want := wantWorld{size: 2, masterAddr: j.Metadata.Name + "-master-0", masterPort: 23456, source: tc.source}
			if err := checkWorld(envs, want); err != nil {
				t.Error(err)
			}
		})
	}
}

// indexedJobEnvs is the environment of each pod of an Indexed Job: the manifest's, plus
// JOB_COMPLETION_INDEX and the hostname Kubernetes gives the pod.
func indexedJobEnvs(j batchJob) []map[string]string {
	var envs []map[string]string
	for i := range *j.Spec.Completions {
		env := manifestEnv(j.Spec.Template.Spec.Containers[0])
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i)
		env["HOSTNAME"] = fmt.Sprintf("%s-%d", j.Metadata.Name, i)
		envs = append(envs, env)
	}
	return envs
}

// checkIndexedJob checks a Job and its headless Service against each other and what
// WorldFromEnv needs.
func checkIndexedJob(j batchJob, svc service) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	s := j.Spec
	if s.CompletionMode != "Indexed" {
		bad("completionMode %q, want Indexed (Kubernetes sets JOB_COMPLETION_INDEX only then)", s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions != *s.Parallelism {
		return errors.Join(append(errs, errors.New("completions and parallelism must be set and equal: every rank runs at once"))...)
	}
	if len(s.Template.Spec.Containers) != 1 {
		return errors.Join(append(errs, errors.New("want 1 container"))...)
	}
	if svc.Spec.ClusterIP != "None" {
		bad("Service %s: clusterIP %q, want None (headless: one DNS record per pod)", svc.Metadata.Name, svc.Spec.ClusterIP)
	}
	if s.Template.Spec.Subdomain != svc.Metadata.Name {
		bad("pod subdomain %q, want the headless Service's name %q", s.Template.Spec.Subdomain, svc.Metadata.Name)
	}
	if len(svc.Spec.Selector) == 0 {
		bad("Service %s has no selector", svc.Metadata.Name)
	}
	for k, v := range svc.Spec.Selector {
		if s.Template.Metadata.Labels[k] != v {
			bad("Service selector %s=%s does not match the pod template's labels %v", k, v, s.Template.Metadata.Labels)
		}
	}
	env := manifestEnv(s.Template.Spec.Containers[0])
	if got, want := env["WORLD_SIZE"], strconv.Itoa(*s.Completions); got != want {
		bad("WORLD_SIZE %q, want completions %s", got, want)
	}
	if got, want := env["MASTER_ADDR"], fmt.Sprintf("%s-0.%s", j.Metadata.Name, s.Template.Spec.Subdomain); got != want {
		bad("MASTER_ADDR %q, want pod 0's name %q", got, want)
	}
	port, err := strconv.Atoi(env["MASTER_PORT"])
	if err != nil {
		bad("MASTER_PORT %q is not a number", env["MASTER_PORT"])
	}
	served := false
	for _, p := range svc.Spec.Ports {
		served = served || p.Port == port
	}
	if !served {
		bad("MASTER_PORT %d is not a port of Service %s", port, svc.Metadata.Name)
	}
	return errors.Join(errs...)
}

func TestIndexedJobWorld(t *testing.T) {
	m := readManifest(t, indexedJobFile)
	var j batchJob
	if err := m.one("Job", &j); err != nil {
		t.Fatal(err)
	}
	var svc service
	if err := m.one("Service", &svc); err != nil {
		t.Fatal(err)
	}
	if err := checkIndexedJob(j, svc); err != nil {
		t.Fatal(err)
	}
	if *j.Spec.Completions != 2 {
		t.Errorf("completions %d, want 2", *j.Spec.Completions)
	}
	port, _ := strconv.Atoi(manifestEnv(j.Spec.Template.Spec.Containers[0])["MASTER_PORT"])
	want := wantWorld{size: *j.Spec.Completions, masterAddr: j.Metadata.Name + "-0." + svc.Metadata.Name, masterPort: port,
		source: distributed.SourceIndexedJob}
	if err := checkWorld(indexedJobEnvs(j), want); err != nil {
		t.Error(err)
	}
}

// TestChecksFail makes sure the checks above catch broken manifests.
func TestChecksFail(t *testing.T) {
	m := readManifest(t, indexedJobFile)
	var j batchJob
	if err := m.one("Job", &j); err != nil {
		t.Fatal(err)
	}
	var svc service
	if err := m.one("Service", &svc); err != nil {
		t.Fatal(err)
	}
	setEnv := func(j batchJob, name, value string) batchJob {
		c := &j.Spec.Template.Spec.Containers[0]
		c.Env = slices.Clone(c.Env)
		for i := range c.Env {
			if c.Env[i].Name == name {
				c.Env[i].Value = value
			}
		}
		return j
	}
	three := 3
	moreCompletions := j
	moreCompletions.Spec.Completions, moreCompletions.Spec.Parallelism = &three, &three
	wrongSubdomain := j
	wrongSubdomain.Spec.Template.Spec.Subdomain = "other"
	for name, broken := range map[string]batchJob{
		"WORLD_SIZE not completions": setEnv(j, "WORLD_SIZE", "3"),
		"MASTER_ADDR not pod 0":      setEnv(j, "MASTER_ADDR", j.Metadata.Name+"-1."+svc.Metadata.Name),
		"completions not WORLD_SIZE": moreCompletions,
		"subdomain not the Service":  wrongSubdomain,
	} {
		if err := checkIndexedJob(broken, svc); err == nil {
			t.Errorf("%s: checkIndexedJob passed", name)
		}
	}
	want := wantWorld{size: 2, masterAddr: j.Metadata.Name + "-0." + svc.Metadata.Name, masterPort: 29500, source: distributed.SourceIndexedJob}
	if err := checkWorld(indexedJobEnvs(setEnv(j, "WORLD_SIZE", "3")), want); err == nil {
		t.Error("checkWorld passed with WORLD_SIZE 3 for 2 pods")
	}
	envs := indexedJobEnvs(j)
	envs[1]["JOB_COMPLETION_INDEX"] = "0"
	if err := checkWorld(envs, want); err == nil {
		t.Error("checkWorld passed with two pods of index 0")
	}

	pm := readManifest(t, pytorchJobFile)
	var pj pyTorchJob
	if err := pm.one("PyTorchJob", &pj); err != nil {
		t.Fatal(err)
	}
	two := "2"
	pj.Spec.NprocPerNode = &two // hftrain run directly with 2 processes per pod asked for
	envs, err := pytorchJobEnvs(pj, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkWorld(envs, wantWorld{size: 4, masterAddr: pj.Metadata.Name + "-master-0", masterPort: 23456, source: distributed.SourceKubeflow}); err == nil {
		t.Error("checkWorld passed a PyTorchJob with nprocPerNode 2 and a plain hftrain command")
	}

	if _, err := parseManifest("bad.yaml", []byte("apiVersion: v1\nkind: ConfigMap\n---\nmetadata: {}\n")); err == nil {
		t.Error("parseManifest accepted a document without apiVersion and kind")
	}
}

// sbatch is what the tests read from the batch script.
type sbatch struct {
	options  map[string]string // #SBATCH long options, without "--"
	commands [][]string        // the srun command lines, continuation lines joined, split at spaces
	text     string
}

func readSbatch(t *testing.T) sbatch {
	t.Helper()
	b, err := os.ReadFile(sbatchFile)
	if err != nil {
		t.Fatal(err)
	}
	s := sbatch{options: map[string]string{}, text: string(b)}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var cont string
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#SBATCH "); ok {
			for _, opt := range strings.Fields(rest) {
				k, v, _ := strings.Cut(strings.TrimPrefix(opt, "--"), "=")
				s.options[k] = v
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cont += l + " "
			continue
		}
		line, cont = cont+line, ""
		if f := strings.Fields(line); len(f) > 0 && f[0] == "srun" {
			s.commands = append(s.commands, f)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s sbatch) intOption(t *testing.T, name string) int {
	t.Helper()
	n, err := strconv.Atoi(s.options[name])
	if err != nil {
		t.Fatalf("#SBATCH --%s=%q: want a number", name, s.options[name])
	}
	return n
}

// slurmStep is the environment srun gives the task with local id local on node node of a step of
// nodes x perNode tasks, in a batch job of that shape (the variables WorldFromEnv may read, as in
// distributed/testdata/env/slurm_srun_2x2_task3.env).
func slurmStep(jobName, jobID string, nodes, perNode, node, local int) map[string]string {
	nodelist := "node01"
	if nodes > 1 {
		nodelist = fmt.Sprintf("node[01-%02d]", nodes)
	}
	perNodeList := strconv.Itoa(perNode)
	if nodes > 1 {
		perNodeList = fmt.Sprintf("%d(x%d)", perNode, nodes)
	}
	n, total := strconv.Itoa(nodes), strconv.Itoa(nodes*perNode)
	return map[string]string{
		"HOME": "/home/ada", "PATH": "/usr/local/bin:/usr/bin:/bin",
		"SLURMD_NODENAME":           fmt.Sprintf("node%02d", node+1),
		"SLURM_JOB_ID":              jobID,
		"SLURM_JOBID":               jobID,
		"SLURM_JOB_NAME":            jobName,
		"SLURM_JOB_NODELIST":        nodelist,
		"SLURM_NODELIST":            nodelist,
		"SLURM_STEP_NODELIST":       nodelist,
		"SLURM_JOB_NUM_NODES":       n,
		"SLURM_NNODES":              n,
		"SLURM_STEP_NUM_NODES":      n,
		"SLURM_NTASKS":              total,
		"SLURM_NPROCS":              total,
		"SLURM_STEP_NUM_TASKS":      total,
		"SLURM_NTASKS_PER_NODE":     strconv.Itoa(perNode),
		"SLURM_TASKS_PER_NODE":      perNodeList,
		"SLURM_STEP_TASKS_PER_NODE": perNodeList,
		"SLURM_PROCID":              strconv.Itoa(node*perNode + local),
		"SLURM_LOCALID":             strconv.Itoa(local),
		"SLURM_NODEID":              strconv.Itoa(node),
		"SLURM_STEPID":              "0",
		"SLURM_STEP_ID":             "0",
	}
}

func TestSlurmWorld(t *testing.T) {
	s := readSbatch(t)
	nodes, perNode := s.intOption(t, "nodes"), s.intOption(t, "ntasks-per-node")
	if nodes != 2 || perNode != 2 {
		t.Errorf("#SBATCH --nodes=%d --ntasks-per-node=%d, want 2 and 2", nodes, perNode)
	}
	name := s.options["job-name"]
	if name == "" || name == "bash" || name == "interactive" {
		t.Errorf("#SBATCH --job-name=%q: want a name, and not bash or interactive (hftrain reads those as not distributed, as Lightning does)", name)
	}
	if len(s.commands) != 1 {
		t.Fatalf("want 1 srun command, found %d", len(s.commands))
	}
	srun := s.commands[0]
	i := slices.Index(srun, "hftrain")
	if i < 0 {
		t.Fatalf("srun command %q does not run hftrain", srun)
	}
	argv := srun[i:]
	if slices.Contains(argv, "launch") {
		t.Errorf("%q: the main command runs one hftrain per task, no launcher", argv)
	}
	for _, a := range srun[:i] {
		if strings.HasPrefix(a, "--ntasks") || strings.HasPrefix(a, "-n") {
			t.Errorf("srun option %s: the step should use the job's tasks as #SBATCH asks for them", a)
		}
	}
	cfgPath, ok := flagValue(argv, "--config")
	if !ok {
		t.Fatalf("%q has no --config", argv)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, cfgPath)); err != nil {
		t.Errorf("--config %s: %v (paths are relative to the repository root, where the script is submitted)", cfgPath, err)
	}

	const jobID = "4242817"
	var envs []map[string]string
	for node := range nodes {
		for local := range perNode {
			envs = append(envs, slurmStep(name, jobID, nodes, perNode, node, local))
		}
	}
	port, _ := strconv.Atoi(jobID[len(jobID)-4:])
	want := wantWorld{size: nodes * perNode, masterAddr: "node01", masterPort: 15000 + port, source: distributed.SourceSlurm}
	if err := checkWorld(envs, want); err != nil {
		t.Error(err)
	}

	// The batch script itself (SLURM_PROCID=0, the job's SLURM_NTASKS, no step) is one process.
	batch := slurmStep(name, jobID, nodes, perNode, 0, 0)
	delete(batch, "SLURM_STEP_NUM_TASKS")
	if w, err := distributed.WorldFromEnv(func(k string) string { return batch[k] }); err != nil || w.Size != 1 {
		t.Errorf("the batch script's environment reads as %+v, %v; want a world of 1", w, err)
	}
}

// TestSlurmLaunchVariant checks the commented variant: one `hftrain launch` per node, whose
// workers get torchrun's variables on top of the Slurm step's (a step of one task per node).
func TestSlurmLaunchVariant(t *testing.T) {
	s := readSbatch(t)
	var variant []string
	inVariant := false
	for _, line := range strings.Split(s.text, "\n") {
		inVariant = inVariant || strings.Contains(line, "hftrain launch")
		if inVariant {
			variant = append(variant, strings.TrimPrefix(line, "#"))
		}
	}
	text := strings.Join(variant, "\n")
	num := func(flag string) int {
		t.Helper()
		m := regexp.MustCompile(regexp.QuoteMeta(flag) + `[ =]"?(\$?\w+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("the launch variant has no %s", flag)
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatalf("the launch variant's %s is %q, want a number", flag, m[1])
		}
		return n
	}
	for flag, want := range map[string]string{"--nnodes": `"$SLURM_NNODES"`, "--node-rank": `"$SLURM_NODEID"`} {
		if got, _ := flagValue(strings.Fields(text), flag); got != want {
			t.Errorf("launch variant: %s %s, want %s", flag, got, want)
		}
	}
	if !strings.Contains(text, "bash -c '") {
		t.Error(`launch variant: $SLURM_NODEID must be expanded by each task (srun ... bash -c '...'), not by the batch script`)
	}
	nproc, port := num("--nproc-per-node"), num("--master-port")
	nodes := s.intOption(t, "nodes")
	const jobID = "4242818"
	var envs []map[string]string
	for node := range nodes {
		for local := range nproc {
			// What distributed/launch's workerVars sets for each worker.
			env := slurmStep(s.options["job-name"], jobID, nodes, 1, node, 0)
			rank := node*nproc + local
			for k, v := range map[string]string{
				"RANK": strconv.Itoa(rank), "WORLD_SIZE": strconv.Itoa(nodes * nproc),
				"LOCAL_RANK": strconv.Itoa(local), "LOCAL_WORLD_SIZE": strconv.Itoa(nproc),
				"GROUP_RANK": strconv.Itoa(node), "GROUP_WORLD_SIZE": strconv.Itoa(nodes),
				"MASTER_ADDR": "node01", "MASTER_PORT": strconv.Itoa(port),
				"TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "0", "TORCHELASTIC_RUN_ID": "none",
			} {
				env[k] = v
			}
			envs = append(envs, env)
		}
	}
	want := wantWorld{size: nodes * nproc, masterAddr: "node01", masterPort: port, source: distributed.SourceTorchrun}
	if err := checkWorld(envs, want); err != nil {
		t.Error(err)
	}
}

// TestFinetuneConfig loads finetune.yaml as each example runs it: as is, with the HFTRAIN_*
// variables the manifests set, and with the batch script's --set overrides.
func TestFinetuneConfig(t *testing.T) {
	home := "HOME=" + t.TempDir()
	cfg, err := config.Load(finetuneFile, []string{home}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.CheckImplemented(); err != nil {
		t.Error(err)
	}
	if cfg.Model.ModelNameOrPath == "" || cfg.Data.DatasetName == "" {
		t.Errorf("model_name_or_path %q, dataset_name %q: want a Hub model and dataset", cfg.Model.ModelNameOrPath, cfg.Data.DatasetName)
	}
	if !filepath.IsAbs(cfg.Training.OutputDir) {
		t.Errorf("output_dir %q: want an absolute path (the manifests' PVC mount)", cfg.Training.OutputDir)
	}

	for _, file := range []string{pytorchJobFile, indexedJobFile} {
		m := readManifest(t, file)
		for name, pod := range podSpecs(t, m) {
			env := []string{home}
			for k, v := range manifestEnv(pod.Spec.Containers[0]) {
				if strings.HasPrefix(k, config.EnvPrefix) {
					env = append(env, k+"="+v)
				}
			}
			if _, err := config.Load(finetuneFile, env, nil); err != nil {
				t.Errorf("%s: %s: with env %q: %v", file, name, env, err)
			}
		}
	}

	s := readSbatch(t)
	argv := s.commands[0][slices.Index(s.commands[0], "hftrain"):]
	var sets []string
	for i, a := range argv {
		if a == "--set" && i+1 < len(argv) {
			// Stand-ins for the shell variables the script expands.
			v := strings.NewReplacer(`"`, "", "$OUTPUT_DIR", "/shared/out", "$SLURM_CPUS_PER_TASK", s.options["cpus-per-task"]).Replace(argv[i+1])
			sets = append(sets, v)
		}
	}
	if len(sets) == 0 {
		t.Error("the batch script sets no output_dir: finetune.yaml's /output is the manifests' PVC")
	}
	got, err := config.Load(filepath.Join(repoRoot, argvConfig(argv)), []string{home}, sets)
	if err != nil {
		t.Fatalf("batch script's config with --set %q: %v", sets, err)
	}
	if got.Training.OutputDir != "/shared/out" {
		t.Errorf("batch script: output_dir %q, want the --set value", got.Training.OutputDir)
	}

	// The loader is strict: the test would notice a key it does not know.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	b, _ := os.ReadFile(finetuneFile)
	if err := os.WriteFile(bad, append(b, []byte("learning_rat: 1\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(bad, []string{home}, nil); !errors.Is(err, config.ErrUnknownKey) {
		t.Errorf("a misspelt key loads with error %v, want ErrUnknownKey", err)
	}
}

func argvConfig(argv []string) string {
	v, _ := flagValue(argv, "--config")
	return v
}
