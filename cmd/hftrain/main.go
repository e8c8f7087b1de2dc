// Command hftrain fine-tunes Hugging Face transformer models: one static binary for what Python
// users do with transformers' Trainer, Accelerate and datasets.
//
//	hftrain --config finetune.yaml [--set key=value ...]   # same as: hftrain train --config ...
//	hftrain launch --nproc-per-node 2 -- --config finetune.yaml   # data parallel, as torchrun
//	hftrain predict --model DIR --data FILE [--output FILE]
//	hftrain tokenize --tokenizer tokenizer.json [--no-special-tokens] < lines.txt
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

const usage = `hftrain fine-tunes Hugging Face transformer models.

Usage:
  hftrain [train] --config FILE [--set key=value ...]   fine-tune as the config says
  hftrain launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P]
                 [--max-restarts K] -- --config FILE [--set ...]   data-parallel training, as torchrun
  hftrain predict --model DIR --data FILE [--output FILE]
  hftrain pipeline sentiment-analysis --model DIR [--top-k K] ["text" ...]   as transformers' pipeline()
  hftrain tokenize --tokenizer FILE [--no-special-tokens] [--pairs]  (text lines on stdin)
  hftrain bench [--batch-size 32 --seq-len 128 --steps 5]   time training steps (make bench)
  hftrain download REPO_ID [--repo-type dataset] [--revision R] [--include GLOB]   print the snapshot path
  hftrain push DIR --repo-id ID [--revision B] [--commit-message M]   upload a folder to the Hub
  hftrain login [--token T]   check a Hub token and store it where huggingface_hub keeps it
  hftrain version

Configuration keys are Hugging Face TrainingArguments names (learning_rate, num_train_epochs, ...)
and the names transformers' example scripts take (model_name_or_path, train_file, ...).
Precedence: --set over HFTRAIN_<KEY> environment variables over the config file.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "hftrain:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; it is main without the process exit, so tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command (try: hftrain --config configs/demo.yaml)")
	}
	cmd, rest := args[0], args[1:]
	if strings.HasPrefix(cmd, "-") {
		if cmd == "-h" || cmd == "--help" || cmd == "-help" {
			fmt.Fprint(stdout, usage)
			return nil
		}
		cmd, rest = "train", args
	}
	switch cmd {
	case "train":
		return trainCmd(ctx, rest, stderr)
	case "predict":
		return predictCmd(ctx, rest, stdout, stderr)
	case "pipeline":
		return pipelineCmd(ctx, rest, stdin, stdout, stderr)
	case "tokenize":
		return tokenizeCmd(ctx, rest, stdin, stdout, stderr)
	case "push":
		return pushCmd(ctx, rest, stdout, stderr)
	case "download":
		return downloadCmd(ctx, rest, stdout, stderr)
	case "login":
		return loginCmd(ctx, rest, stdin, stdout, stderr)
	case "bench":
		return benchCmd(ctx, rest, stdout, stderr)
	case "launch":
		return launchCmd(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hftrain", version())
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (train, launch, predict, pipeline, tokenize, download, push, login, bench, version)", cmd)
}

func version() string { return "0.1.0-dev" }

func numCPU() int { return runtime.NumCPU() }
