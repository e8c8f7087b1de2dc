package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// pushCmd uploads a folder (a model hftrain wrote) to a Hub repo, creating the repo if needed,
// as `huggingface-cli upload` does: small files inline, large ones through Git LFS, one commit.
func pushCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repoID := fs.String("repo-id", "", "target repo, e.g. me/my-model")
	repoType := fs.String("repo-type", "model", "model or dataset")
	revision := fs.String("revision", "main", "branch to commit to")
	message := fs.String("commit-message", "Upload with hftrain", "commit message")
	private := fs.Bool("private", false, "create the repo as private when it does not exist")
	var ignore stringsFlag
	fs.Var(&ignore, "exclude", "glob of files not to upload (repeatable)")
	// flag stops at the first positional argument; accept DIR before or after the flags.
	var dir string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if dir == "" || *repoID == "" {
		return errors.New("push: usage: hftrain push DIR --repo-id ID [--revision B] [--commit-message M]")
	}
	c := hubClient(nil, true)
	url, err := c.CreateRepo(ctx, *repoType, *repoID, *private, true)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	commit, err := c.UploadFolder(ctx, *repoType, *repoID, *revision, dir, *message, nil, ignore)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	fmt.Fprintf(stdout, "%s (commit %s)\n", url, commit)
	return nil
}
