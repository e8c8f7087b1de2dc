package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// netnsPair makes two Linux network namespaces joined by a veth pair, with addresses of the
// test's own (10.231.<n>.1 and .2, never routed anywhere else), and returns their names and
// addresses. It skips the test when namespaces cannot be made here (not root, no ip(8), a
// container without CAP_NET_ADMIN).
func netnsPair(t *testing.T) (ns [2]string, addr [2]string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: making network namespaces needs root (ip netns add)")
	}
	ipTool, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("skipping: no ip(8) (Debian package iproute2) to make network namespaces")
	}
	id := os.Getpid() % 100000
	ns = [2]string{fmt.Sprintf("hft%d-a", id), fmt.Sprintf("hft%d-b", id)}
	veth := [2]string{fmt.Sprintf("hft%da", id), fmt.Sprintf("hft%db", id)}
	subnet := 1 + id%250
	addr = [2]string{fmt.Sprintf("10.231.%d.1", subnet), fmt.Sprintf("10.231.%d.2", subnet)}
	ip := func(args ...string) error {
		out, err := exec.Command(ipTool, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ip("netns", "add", ns[0]); err != nil {
		t.Skipf("skipping: cannot make a network namespace here: %v", err)
	}
	t.Cleanup(func() { _ = ip("netns", "del", ns[0]) })
	steps := [][]string{
		{"netns", "add", ns[1]},
		{"link", "add", veth[0], "type", "veth", "peer", "name", veth[1]},
		{"link", "set", veth[0], "netns", ns[0]},
		{"link", "set", veth[1], "netns", ns[1]},
	}
	for i := range 2 {
		steps = append(steps,
			[]string{"-n", ns[i], "addr", "add", addr[i] + "/24", "dev", veth[i]},
			[]string{"-n", ns[i], "link", "set", veth[i], "up"},
			[]string{"-n", ns[i], "link", "set", "lo", "up"})
	}
	for i, s := range steps {
		if err := ip(s...); err != nil {
			t.Skipf("skipping: cannot set up the namespaces' veth pair here: %v", err)
		}
		if i == 0 {
			t.Cleanup(func() { _ = ip("netns", "del", ns[1]) }) // deleting a namespace deletes its veth end
		}
	}
	return ns, addr
}

// TestLaunchTwoNodesInNetworkNamespaces runs a 2-node job, one worker per "node", each node its
// own network namespace reachable only over a veth pair: `hftrain launch --nnodes 2
// --node-rank 0/1 --master-addr <node 0's address>`. Its model must equal, bit for bit, the one
// `hftrain launch --nproc-per-node 2` trains on one machine over loopback (same world size, so
// the same ring and the same summation order).
func TestLaunchTwoNodesInNetworkNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ns, addr := netnsPair(t)
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	common := func(out string) []string {
		return []string{"--config", cfg, "--set", "output_dir=" + out, "--set", "per_device_train_batch_size=4",
			"--set", "eval_strategy=no", "--set", "ddp_timeout=20"}
	}
	local := filepath.Join(base, "local")
	if out, err := runBinary(t, bin, nil, append([]string{"launch", "--nproc-per-node", "2", "--master-port", strconv.Itoa(freePort(t)), "--"}, common(local)...)...); err != nil {
		t.Fatalf("one machine: %v\n%s", err, out)
	}

	nodes := filepath.Join(base, "nodes")
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 2)
	errs := make([]error, 2)
	for node := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"netns", "exec", ns[node], bin, "launch", "--nnodes", "2", "--node-rank", strconv.Itoa(node),
				"--nproc-per-node", "1", "--master-addr", addr[0], "--master-port", "29555", "--"}, common(nodes)...)
			cmd := exec.Command("ip", args...)
			cmd.Stdout, cmd.Stderr = &outs[node], &outs[node]
			errs[node] = cmd.Run()
		}()
	}
	wg.Wait()
	for node := range 2 {
		if errs[node] != nil {
			t.Fatalf("node %d: %v\n%s\nnode %d's output:\n%s", node, errs[node], outs[node].String(), 1-node, outs[1-node].String())
		}
	}
	// Rank 1 (node 1) reached rank 0 at node 0's veth address, and rank 0 saw rank 1 at node
	// 1's: the ring ran over the veth pair.
	if log := outs[0].String(); !strings.Contains(log, "next rank 1 at "+addr[1]+":") {
		t.Errorf("node 0's log does not show rank 1 at %s:\n%s", addr[1], log)
	}
	if log := outs[1].String(); !strings.Contains(log, "ranks 1-1 of 2 (node 1 of 2), master "+addr[0]+":29555") {
		t.Errorf("node 1's launcher did not start rank 1 of 2 with master %s:\n%s", addr[0], log)
	}
	want, err := os.ReadFile(filepath.Join(local, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(nodes, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the 2-node model differs from the 1-machine 2-process model")
	}
	t.Logf("2 nodes in namespaces %s (%s) and %s (%s): model identical to the 1-machine run", ns[0], addr[0], ns[1], addr[1])
}
