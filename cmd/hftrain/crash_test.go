package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hftrain/hftrain/trainer/checkpoint"
)

// buildBinary compiles hftrain once for the process-level tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hftrain")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBinary(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestSIGKILLDuringCheckpointThenResume kills a real hftrain process with SIGKILL at each stage of
// writing its second checkpoint (fault-injection points, so every stage is hit for sure), checks
// that no directory looks complete unless it verifies, resumes with --resume, and checks that the
// final model is bit-identical to an uninterrupted run's.
func TestSIGKILLDuringCheckpointThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	common := []string{"--config", cfg, "--set", "max_steps=6", "--set", "save_strategy=steps", "--set", "save_steps=2",
		"--set", "eval_strategy=no", "--set", "overwrite_output_dir=true"}

	refDir := filepath.Join(base, "ref")
	if out, err := runBinary(t, bin, nil, append(common, "--set", "output_dir="+refDir)...); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(refDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"begin", "files", "manifest", "renamed"} {
		t.Run(stage, func(t *testing.T) {
			out := filepath.Join(base, "run-"+stage)
			args := append(append([]string{}, common...), "--set", "output_dir="+out)
			log, err := runBinary(t, bin, []string{"HFTRAIN_FAULT_INJECT=" + stage + "#2"}, args...)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("want the run killed by SIGKILL at %s, got %v\n%s", stage, err, log)
			}
			// Every directory named like a checkpoint must verify; the half-written one must not
			// pass for a checkpoint.
			infos, err := checkpoint.List(out)
			if err != nil {
				t.Fatal(err)
			}
			var steps []int
			for _, in := range infos {
				if err := checkpoint.Verify(in.Dir); err != nil {
					t.Errorf("after a kill at %s, %s looks like a checkpoint but does not verify: %v", stage, in.Dir, err)
				}
				steps = append(steps, in.Step)
			}
			wantSteps := "[2]"
			if stage == "renamed" {
				wantSteps = "[2 4]"
			}
			if got := fmt.Sprint(steps); got != wantSteps {
				t.Errorf("checkpoints after a kill at %s: %s, want %s", stage, got, wantSteps)
			}
			log, err = runBinary(t, bin, nil, append(args, "--resume")...)
			if err != nil {
				t.Fatalf("resume after a kill at %s: %v\n%s", stage, err, log)
			}
			if !strings.Contains(log, "resumed from") {
				t.Errorf("resume log does not say where it resumed from:\n%s", log)
			}
			got, err := os.ReadFile(filepath.Join(out, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("final model after a kill at %s and a resume differs from the uninterrupted run's", stage)
			}
			if m, _ := filepath.Glob(filepath.Join(out, ".tmp-checkpoint-*")); len(m) > 0 {
				t.Errorf("temporary checkpoint directories left after the resumed run: %v", m)
			}
		})
	}
}

// TestSIGTERMSavesAndTellsHowToResume sends SIGTERM to a real training process: it finishes the
// current update, writes a checkpoint that verifies, and exits with a message naming --resume.
func TestSIGTERMSavesAndTellsHowToResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	out := filepath.Join(base, "out")
	cmd := exec.Command(bin, "--config", cfg, "--set", "max_steps=100000", "--set", "num_train_epochs=1000",
		"--set", "logging_steps=1", "--set", "eval_strategy=no", "--set", "output_dir="+out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(log.String(), "'step'") && !strings.Contains(log.String(), "'loss'") {
		n, err := stderr.Read(buf)
		log.Write(buf[:n])
		if err != nil {
			t.Fatalf("training ended before its first log line: %v\n%s", err, log.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := stderr.Read(buf)
		log.Write(buf[:n])
		if err != nil {
			break
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit status 1 after SIGTERM, got %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "--resume") || !strings.Contains(log.String(), "checkpoint saved to") {
		t.Errorf("the exit message does not tell how to resume:\n%s", log.String())
	}
	latest, err := checkpoint.Latest(out, t.Logf)
	if err != nil {
		t.Fatalf("no valid checkpoint after SIGTERM: %v\n%s", err, log.String())
	}
	t.Logf("SIGTERM left %s", latest)
}

// TestResumeRefusesOrSkipsDamagedCheckpoint: a checkpoint with a flipped byte is refused, naming
// the file, when --resume=PATH names it, and skipped with a warning by --resume (latest).
func TestResumeRefusesOrSkipsDamagedCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base := t.TempDir()
	cfg := writeConfig(t, base, "")
	out := filepath.Join(base, "out")
	args := []string{"--config", cfg, "--set", "max_steps=6", "--set", "save_strategy=steps", "--set", "save_steps=2",
		"--set", "eval_strategy=no", "--set", "output_dir=" + out}
	if log, err := runBinary(t, bin, nil, args...); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	damaged := filepath.Join(out, "checkpoint-6") // the newest: transformers also saves at the last step
	p := filepath.Join(damaged, "optimizer.safetensors")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := runBinary(t, bin, nil, append(args, "--resume="+damaged)...)
	if err == nil || !strings.Contains(log, "optimizer.safetensors") || !strings.Contains(log, "checkpoint-6") {
		t.Errorf("--resume=%s with a flipped byte: err %v, want an error naming the file\n%s", damaged, err, log)
	}
	log, err = runBinary(t, bin, nil, append(args, "--resume")...)
	if err != nil {
		t.Fatalf("--resume: %v\n%s", err, log)
	}
	if !strings.Contains(log, "warning") || !strings.Contains(log, "checkpoint-6") || !strings.Contains(log, "resumed from "+filepath.Join(out, "checkpoint-4")) {
		t.Errorf("--resume did not skip the damaged checkpoint-6 with a warning and resume from checkpoint-4:\n%s", log)
	}
}
