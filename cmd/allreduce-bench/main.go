// Command allreduce-bench measures the ring all-reduce of package distributed between 2 local
// processes on 127.0.0.1, next to PyTorch's gloo backend and a raw loopback TCP exchange (the
// ceiling), in the same run:
//
//	allreduce-bench [-mode all|hftrain|hftrain-grpc|gloo|tcp] [-sizes 1,16,64,256] [-iters N] [-warmup W]
//	                [-gomaxprocs P] [-cpuprofile FILE] [-json]
//
// Sizes are MiB of float32. For every size the modes run interleaved (hftrain: the ring with its
// default raw-TCP data plane; hftrain-grpc: its chunks on gRPC streams; gloo; tcp), each
// as a fresh pair of processes: this binary re-executes itself as rank 0 and rank 1 (RANK,
// WORLD_SIZE, MASTER_ADDR, MASTER_PORT on a free port), or runs scripts/bench/allreduce_gloo.py
// with /usr/bin/python3 for gloo. Rank 0 prints one JSON line per size; the parent collects them
// and prints a table (or the JSON lines with -json).
//
// Method, the same for all three: W warm-up iterations, then N timed ones. Before every
// iteration each rank fills its buffer with rank+1 and the ranks meet at a barrier (both untimed);
// the all-reduce alone is timed on rank 0. The statistic is the median of the N iteration times
// (mean and min are in the JSON too). After every iteration a few elements are checked and after
// the last one every element (sum over ranks of rank+1 = 3); a rank whose result is wrong exits
// with an error, and rank 0 reports "verified": true only if its check passed. busbw is
// bytes/time × 2(n-1)/n as nccl-tests define it (n = 2: equal to algbw), GB = 1e9 bytes.
//
// tcp: one loopback TCP connection between the two ranks; in each iteration each rank sends
// `size` bytes to the other while it receives `size` bytes from it (full duplex). That is the
// traffic of a 2-rank ring all-reduce without the reduction or any framing, so its busbw is the
// ceiling of both implementations on this machine.
//
// Threads: the gloo workers call torch.set_num_threads(1) (OMP_NUM_THREADS=1; gloo's own I/O
// thread still runs); the Go ranks keep Go's default GOMAXPROCS (the number of CPUs) unless
// -gomaxprocs sets it. The ring tuning comes from HFTRAIN_RING_CHANNELS and HFTRAIN_RING_CHUNK_KB
// in the environment, which the ranks inherit.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hftrain/hftrain/distributed"
)

// Environment of a worker process (rank): the role, and what to run.
const (
	envRole       = "ALLREDUCE_BENCH_ROLE" // "hftrain" or "tcp"
	envBytes      = "ALLREDUCE_BENCH_BYTES"
	envIters      = "ALLREDUCE_BENCH_ITERS"
	envWarmup     = "ALLREDUCE_BENCH_WARMUP"
	envCPUProfile = "ALLREDUCE_BENCH_CPUPROFILE"
)

const (
	world     = 2
	mib       = 1 << 20
	defPython = "/usr/bin/python3"
	defScript = "scripts/bench/allreduce_gloo.py"
)

// result is one JSON line: one implementation at one size.
type result struct {
	Impl       string  `json:"impl"`
	World      int     `json:"world"`
	Bytes      int64   `json:"bytes"`
	Iters      int     `json:"iters"`
	Warmup     int     `json:"warmup"`
	MedianMS   float64 `json:"median_ms"`
	MeanMS     float64 `json:"mean_ms"`
	MinMS      float64 `json:"min_ms"`
	AlgbwGBs   float64 `json:"algbw_gbs"` // bytes / median time
	BusbwGBs   float64 `json:"busbw_gbs"` // algbw × 2(n-1)/n
	CPUMS      float64 `json:"cpu_ms"`    // rank 0's CPU time (user+sys, all threads) per timed iteration, mean
	Verified   bool    `json:"verified"`
	Threads    int     `json:"threads,omitempty"` // GOMAXPROCS, or torch.get_num_threads()
	Channels   int     `json:"channels,omitempty"`
	ChunkKB    int     `json:"chunk_kb,omitempty"`
	CPUProfile string  `json:"cpuprofile,omitempty"`
}

func main() {
	if role := os.Getenv(envRole); role != "" {
		if err := workerMain(role); err != nil {
			fmt.Fprintf(os.Stderr, "allreduce-bench %s rank %s: %v\n", role, os.Getenv("RANK"), err)
			os.Exit(1)
		}
		return
	}
	var o options
	var sizes, mode string
	flag.StringVar(&mode, "mode", "all", "all (hftrain, gloo and tcp interleaved per size), hftrain, gloo or tcp; or a comma list")
	flag.StringVar(&sizes, "sizes", "1,16,64,256", "buffer sizes in MiB of float32, comma-separated")
	flag.IntVar(&o.iters, "iters", 0, "timed iterations per size (0: about 5 GiB of buffer per size, 5 to 200)")
	flag.IntVar(&o.warmup, "warmup", 3, "untimed iterations per size before the timed ones")
	flag.IntVar(&o.gomaxprocs, "gomaxprocs", 0, "GOMAXPROCS of the Go ranks (0: Go's default, the number of CPUs)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of hftrain rank 0's timed loop to this file (suffixed -<size>MiB when several sizes run)")
	flag.StringVar(&o.python, "python", defPython, "Python with torch for -mode gloo")
	flag.StringVar(&o.script, "gloo-script", defScript, "the gloo side")
	flag.BoolVar(&o.json, "json", false, "print the JSON lines instead of the table")
	flag.Parse()
	var err error
	if o.sizes, err = parseSizes(sizes); err == nil {
		o.modes, err = parseModes(mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "allreduce-bench:", err)
		os.Exit(2)
	}
	o.progress = os.Stderr
	res, err := run(context.Background(), o)
	if o.json {
		enc := json.NewEncoder(os.Stdout)
		for _, r := range res {
			_ = enc.Encode(r)
		}
	} else {
		printTable(os.Stdout, o, res)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "allreduce-bench:", err)
		os.Exit(1)
	}
}

// options of a parent run.
type options struct {
	modes       []string
	sizes       []int64 // bytes
	iters       int     // 0: itersFor
	warmup      int
	gomaxprocs  int
	cpuprofile  string
	python      string
	script      string
	json        bool
	progress    io.Writer // a line per finished measurement, or nil
	pairTimeout time.Duration
}

func parseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		b := int64(v * mib)
		if err != nil || b < 4 || b%4 != 0 {
			return nil, fmt.Errorf("-sizes: %q is not a size in MiB (a positive multiple of 4 bytes)", f)
		}
		out = append(out, b)
	}
	return out, nil
}

func parseModes(s string) ([]string, error) {
	if s == "all" {
		return []string{"hftrain", "hftrain-grpc", "gloo", "tcp"}, nil
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m != "hftrain" && m != "hftrain-grpc" && m != "gloo" && m != "tcp" {
			return nil, fmt.Errorf("-mode: %q is not all, hftrain, hftrain-grpc, gloo or tcp", m)
		}
		out = append(out, m)
	}
	return out, nil
}

// itersFor is the default number of timed iterations: about 5 GiB of buffer per size, so that
// 256 MiB (20 iterations) takes a few seconds at loopback speeds, and 5 to 200.
func itersFor(bytes int64) int {
	return int(min(200, max(5, (5<<30)/bytes)))
}

// run measures every size with every mode, interleaved: for each size, each mode in turn.
func run(ctx context.Context, o options) ([]result, error) {
	if o.pairTimeout == 0 {
		o.pairTimeout = 10 * time.Minute
	}
	var out []result
	for _, size := range o.sizes {
		iters := o.iters
		if iters <= 0 {
			iters = itersFor(size)
		}
		for _, m := range o.modes {
			var r result
			var err error
			if m == "gloo" {
				r, err = runGloo(ctx, o, size, iters)
			} else {
				prof := o.cpuprofile
				if prof != "" && len(o.sizes) > 1 {
					prof = fmt.Sprintf("%s-%gMiB", prof, float64(size)/mib)
				}
				if m != "hftrain" {
					prof = ""
				}
				r, err = runPair(ctx, o, m, size, iters, prof)
			}
			if err != nil {
				return out, fmt.Errorf("%s, %g MiB: %w", m, float64(size)/mib, err)
			}
			if !r.Verified {
				return append(out, r), fmt.Errorf("%s, %g MiB: result not verified", m, float64(size)/mib)
			}
			if o.progress != nil {
				fmt.Fprintf(o.progress, "%-8s %8.3g MiB  %9.3f ms  busbw %6.3f GB/s  (%d iters)\n", m, float64(size)/mib, r.MedianMS, r.BusbwGBs, r.Iters)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runPair runs this executable twice, as rank 0 and rank 1 of role, and returns rank 0's line.
func runPair(ctx context.Context, o options, role string, size int64, iters int, prof string) (result, error) {
	exe, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.pairTimeout)
	defer cancel()
	var stdout bytes.Buffer
	stderr := make([]bytes.Buffer, world)
	cmds := make([]*exec.Cmd, world)
	for r := range world {
		c := exec.CommandContext(ctx, exe)
		c.Env = append(os.Environ(), envRole+"="+role, fmt.Sprintf("RANK=%d", r), fmt.Sprintf("WORLD_SIZE=%d", world),
			"MASTER_ADDR=127.0.0.1", fmt.Sprintf("MASTER_PORT=%d", port),
			fmt.Sprintf("%s=%d", envBytes, size), fmt.Sprintf("%s=%d", envIters, iters), fmt.Sprintf("%s=%d", envWarmup, o.warmup))
		if o.gomaxprocs > 0 {
			c.Env = append(c.Env, fmt.Sprintf("GOMAXPROCS=%d", o.gomaxprocs))
		}
		if role == "hftrain-grpc" { // the ring with its chunks on gRPC streams rather than raw TCP
			c.Env = append(c.Env, "HFTRAIN_RING_TRANSPORT=grpc")
		}
		if r == 0 {
			c.Stdout = &stdout
			if prof != "" {
				c.Env = append(c.Env, envCPUProfile+"="+prof)
			}
		}
		c.Stderr = &stderr[r]
		if err := c.Start(); err != nil {
			cancel()
			for _, p := range cmds[:r] {
				_ = p.Wait()
			}
			return result{}, err
		}
		cmds[r] = c
	}
	var errs []error
	for r, c := range cmds {
		if err := c.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("rank %d: %w: %s", r, err, strings.TrimSpace(stderr[r].String())))
			cancel() // the other rank cannot finish alone
		}
	}
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	rs, err := parseLines(stdout.Bytes())
	if err != nil {
		return result{}, err
	}
	if len(rs) != 1 {
		return result{}, fmt.Errorf("rank 0 printed %d results, want 1", len(rs))
	}
	return rs[0], nil
}

// runGloo runs the PyTorch side for one size.
func runGloo(ctx context.Context, o options, size int64, iters int) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.pairTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, o.python, o.script, "--bytes", strconv.FormatInt(size, 10),
		"--iters", strconv.Itoa(iters), "--warmup", strconv.Itoa(o.warmup), "--port", strconv.Itoa(port))
	c.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return result{}, fmt.Errorf("%s %s: %w: %s", o.python, o.script, err, strings.TrimSpace(stderr.String()))
	}
	rs, err := parseLines(stdout.Bytes())
	if err != nil {
		return result{}, err
	}
	if len(rs) != 1 {
		return result{}, fmt.Errorf("%s printed %d results, want 1", o.script, len(rs))
	}
	return rs[0], nil
}

func parseLines(b []byte) ([]result, error) {
	var out []result
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var r result
		if err := json.Unmarshal(l, &r); err != nil {
			return nil, fmt.Errorf("bad result line %q: %w", l, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func printTable(w io.Writer, o options, res []result) {
	by := map[string]map[int64]result{}
	for _, r := range res {
		if by[r.Impl] == nil {
			by[r.Impl] = map[int64]result{}
		}
		by[r.Impl][r.Bytes] = r
	}
	tune := ""
	for _, r := range res {
		if r.Impl == "hftrain" {
			tr := os.Getenv("HFTRAIN_RING_TRANSPORT")
			if tr == "" {
				tr = "tcp"
			}
			tune = fmt.Sprintf(", hftrain: chunks on %s (hftrain-grpc: on gRPC streams), %d channels, %d KiB chunks, GOMAXPROCS %d", tr, r.Channels, r.ChunkKB, r.Threads)
			break
		}
	}
	fmt.Fprintf(w, "all-reduce (sum) of float32, 2 processes on 127.0.0.1, median of timed iterations; busbw = bytes/time x 2(n-1)/n, GB/s; cpu ms = rank 0's CPU time per iteration%s\n", tune)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := "size MiB\titers\t"
	for _, m := range o.modes {
		hdr += m + " ms\t" + m + " busbw\t" + m + " cpu ms\t"
	}
	if slices.Contains(o.modes, "hftrain") && slices.Contains(o.modes, "gloo") {
		hdr += "hftrain/gloo\t"
	}
	if slices.Contains(o.modes, "hftrain-grpc") && slices.Contains(o.modes, "gloo") {
		hdr += "hftrain-grpc/gloo\t"
	}
	if slices.Contains(o.modes, "hftrain") && slices.Contains(o.modes, "tcp") {
		hdr += "hftrain/tcp\t"
	}
	fmt.Fprintln(tw, hdr)
	sizes := slices.Clone(o.sizes)
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	for _, s := range sizes {
		line := fmt.Sprintf("%g\t", float64(s)/mib)
		iters := "-"
		for _, m := range o.modes {
			if r, ok := by[m][s]; ok {
				iters = strconv.Itoa(r.Iters)
			}
		}
		line += iters + "\t"
		for _, m := range o.modes {
			if r, ok := by[m][s]; ok {
				line += fmt.Sprintf("%.3f\t%.3f\t%.2f\t", r.MedianMS, r.BusbwGBs, r.CPUMS)
			} else {
				line += "-\t-\t-\t"
			}
		}
		ratio := func(a, b string) string {
			ra, oka := by[a][s]
			rb, okb := by[b][s]
			if !oka || !okb || rb.BusbwGBs == 0 {
				return "-\t"
			}
			return fmt.Sprintf("%.2fx\t", ra.BusbwGBs/rb.BusbwGBs)
		}
		if slices.Contains(o.modes, "hftrain") && slices.Contains(o.modes, "gloo") {
			line += ratio("hftrain", "gloo")
		}
		if slices.Contains(o.modes, "hftrain-grpc") && slices.Contains(o.modes, "gloo") {
			line += ratio("hftrain-grpc", "gloo")
		}
		if slices.Contains(o.modes, "hftrain") && slices.Contains(o.modes, "tcp") {
			line += ratio("hftrain", "tcp")
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
}

// ---- workers ----

// workerArgs is what a rank reads from its environment.
type workerArgs struct {
	rank, size, port     int
	bytes                int64
	iters, warmup        int
	addr, cpuprofilePath string
}

func workerFromEnv() (workerArgs, error) {
	var w workerArgs
	ints := []struct {
		key string
		dst *int
	}{{"RANK", &w.rank}, {"WORLD_SIZE", &w.size}, {"MASTER_PORT", &w.port}, {envIters, &w.iters}, {envWarmup, &w.warmup}}
	for _, v := range ints {
		n, err := strconv.Atoi(os.Getenv(v.key))
		if err != nil {
			return w, fmt.Errorf("%s=%q: %w", v.key, os.Getenv(v.key), err)
		}
		*v.dst = n
	}
	b, err := strconv.ParseInt(os.Getenv(envBytes), 10, 64)
	if err != nil || b < 4 || b%4 != 0 {
		return w, fmt.Errorf("%s=%q: want a positive multiple of 4", envBytes, os.Getenv(envBytes))
	}
	w.bytes = b
	w.addr = os.Getenv("MASTER_ADDR")
	if w.addr == "" {
		w.addr = "127.0.0.1"
	}
	w.cpuprofilePath = os.Getenv(envCPUProfile)
	if w.size != world || w.rank < 0 || w.rank >= w.size || w.iters < 1 || w.warmup < 0 {
		return w, fmt.Errorf("bad worker environment %+v", w)
	}
	return w, nil
}

func workerMain(role string) error {
	w, err := workerFromEnv()
	if err != nil {
		return err
	}
	var r result
	switch role {
	case "hftrain", "hftrain-grpc":
		r, err = hftrainWorker(w)
		r.Impl = role
	case "tcp":
		r, err = tcpWorker(w)
	default:
		return fmt.Errorf("%s=%q: not hftrain or tcp", envRole, role)
	}
	if err != nil {
		return err
	}
	if w.rank == 0 {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	return nil
}

// summarize fills the timing fields of r from per-iteration times.
func summarize(r *result, times []time.Duration) {
	ms := make([]float64, len(times))
	sum := 0.0
	for i, t := range times {
		ms[i] = float64(t) / 1e6
		sum += ms[i]
	}
	sort.Float64s(ms)
	med := ms[len(ms)/2]
	if len(ms)%2 == 0 {
		med = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
	}
	r.MedianMS, r.MeanMS, r.MinMS = med, sum/float64(len(ms)), ms[0]
	r.AlgbwGBs = float64(r.Bytes) / (med / 1e3) / 1e9
	r.BusbwGBs = r.AlgbwGBs * 2 * float64(r.World-1) / float64(r.World)
}

// cpuTime is the CPU time this process has used, user and system, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func hftrainWorker(w workerArgs) (result, error) {
	ctx := context.Background()
	g, err := distributed.Join(ctx, distributed.Config{Rank: w.rank, Size: w.size, MasterAddr: w.addr, MasterPort: w.port, Timeout: time.Minute})
	if err != nil {
		return result{}, err
	}
	defer g.Close()
	buf := make([]float32, w.bytes/4)
	mine, want := float32(w.rank+1), float32(w.size*(w.size+1)/2)
	fill := func() {
		for i := range buf {
			buf[i] = mine
		}
	}
	check := func(all bool, it int) error {
		idx := []int{0, len(buf) / 3, len(buf) / 2, len(buf) - 1}
		if all {
			idx = nil
			for i := range buf {
				if buf[i] != want {
					idx = []int{i}
					break
				}
			}
			if idx == nil {
				return nil
			}
		}
		for _, i := range idx {
			if buf[i] != want {
				return fmt.Errorf("iteration %d: element %d is %v, want %v", it, i, buf[i], want)
			}
		}
		return nil
	}
	for i := range w.warmup {
		fill()
		if err := g.AllReduce(ctx, buf, distributed.Sum); err != nil {
			return result{}, err
		}
		if err := check(false, -1-i); err != nil {
			return result{}, err
		}
	}
	if w.cpuprofilePath != "" && w.rank == 0 {
		f, err := os.Create(w.cpuprofilePath)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, err
		}
	}
	times := make([]time.Duration, w.iters)
	var cpu time.Duration
	for i := range w.iters {
		fill()
		if err := g.Barrier(ctx); err != nil {
			return result{}, err
		}
		c0, t0 := cpuTime(), time.Now()
		if err := g.AllReduce(ctx, buf, distributed.Sum); err != nil {
			return result{}, err
		}
		times[i] = time.Since(t0)
		cpu += cpuTime() - c0
		if err := check(i == w.iters-1, i); err != nil {
			return result{}, err
		}
	}
	if w.cpuprofilePath != "" && w.rank == 0 {
		pprof.StopCPUProfile()
	}
	if err := g.Barrier(ctx); err != nil {
		return result{}, err
	}
	r := result{Impl: "hftrain", World: w.size, Bytes: w.bytes, Iters: w.iters, Warmup: w.warmup, Verified: true,
		Threads: runtime.GOMAXPROCS(0), Channels: envInt("HFTRAIN_RING_CHANNELS", 2), ChunkKB: envInt("HFTRAIN_RING_CHUNK_KB", 1024),
		CPUProfile: w.cpuprofilePath}
	summarize(&r, times)
	r.CPUMS = float64(cpu) / 1e6 / float64(w.iters)
	return r, nil
}

// tcpWorker exchanges w.bytes each way over one loopback TCP connection per iteration.
func tcpWorker(w workerArgs) (result, error) {
	addr := net.JoinHostPort(w.addr, strconv.Itoa(w.port))
	var conn net.Conn
	var err error
	if w.rank == 0 {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return result{}, err
		}
		conn, err = l.Accept()
		l.Close()
		if err != nil {
			return result{}, err
		}
	} else {
		deadline := time.Now().Add(time.Minute)
		for {
			conn, err = net.Dial("tcp", addr)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return result{}, err
		}
	}
	defer conn.Close()
	send, recv := make([]byte, w.bytes), make([]byte, w.bytes)
	mine, peer := byte(w.rank+1), byte(2-w.rank)
	for i := range send {
		send[i] = mine
	}
	one := []byte{0}
	barrier := func() error {
		if _, err := conn.Write(one); err != nil {
			return err
		}
		_, err := io.ReadFull(conn, one)
		return err
	}
	exchange := func() error {
		done := make(chan error, 1)
		go func() { _, err := conn.Write(send); done <- err }()
		_, err := io.ReadFull(conn, recv)
		if werr := <-done; err == nil {
			err = werr
		}
		return err
	}
	check := func(all bool, it int) error {
		if all {
			for i, b := range recv {
				if b != peer {
					return fmt.Errorf("iteration %d: byte %d is %d, want %d", it, i, b, peer)
				}
			}
			return nil
		}
		for _, i := range []int{0, len(recv) / 2, len(recv) - 1} {
			if recv[i] != peer {
				return fmt.Errorf("iteration %d: byte %d is %d, want %d", it, i, recv[i], peer)
			}
		}
		return nil
	}
	for i := range w.warmup {
		if err := exchange(); err != nil {
			return result{}, err
		}
		if err := check(false, -1-i); err != nil {
			return result{}, err
		}
	}
	times := make([]time.Duration, w.iters)
	var cpu time.Duration
	for i := range w.iters {
		clear(recv)
		if err := barrier(); err != nil {
			return result{}, err
		}
		c0, t0 := cpuTime(), time.Now()
		if err := exchange(); err != nil {
			return result{}, err
		}
		times[i] = time.Since(t0)
		cpu += cpuTime() - c0
		if err := check(i == w.iters-1, i); err != nil {
			return result{}, err
		}
	}
	if err := barrier(); err != nil {
		return result{}, err
	}
	r := result{Impl: "tcp", World: w.size, Bytes: w.bytes, Iters: w.iters, Warmup: w.warmup, Verified: true, Threads: runtime.GOMAXPROCS(0)}
	summarize(&r, times)
	r.CPUMS = float64(cpu) / 1e6 / float64(w.iters)
	return r, nil
}
