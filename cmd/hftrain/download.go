package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return fmt.Sprint(*s) }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// downloadCmd fetches a repo (or the files matching --include) into the huggingface_hub cache and
// prints the snapshot folder, as `huggingface-cli download` does.
func downloadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("download", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repoType := fs.String("repo-type", "model", "model or dataset")
	revision := fs.String("revision", "main", "branch, tag or commit")
	var include stringsFlag
	fs.Var(&include, "include", "glob of files to fetch (repeatable; default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("download: want one REPO_ID (e.g. google-bert/bert-base-uncased)")
	}
	dir, err := hubClient(nil, false).Snapshot(ctx, *repoType, fs.Arg(0), *revision, include)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	fmt.Fprintln(stdout, dir)
	return nil
}
