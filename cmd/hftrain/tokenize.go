package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hftrain/hftrain/data/tokenizer"
)

// tokenizeCmd reads text lines on stdin and writes one JSON object per line with input_ids,
// attention_mask and token_type_ids, so a user can check a tokenizer against Python's.
func tokenizeCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("tokenizer", "", "tokenizer.json file (or a model folder holding one)")
	noSpecial := fs.Bool("no-special-tokens", false, "leave out the special tokens the post-processor adds")
	pairs := fs.Bool("pairs", false, "each line is two texts separated by a tab, encoded as a pair")
	withTokens := fs.Bool("tokens", false, "also write the token strings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("tokenize: --tokenizer is required")
	}
	tok, err := tokenizer.FromFile(tokenizerFile(*path))
	if err != nil {
		return err
	}
	type line struct {
		InputIDs      []int    `json:"input_ids"`
		AttentionMask []int    `json:"attention_mask"`
		TokenTypeIDs  []int    `json:"token_type_ids"`
		Tokens        []string `json:"tokens,omitempty"`
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for n := 1; in.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		text := in.Text()
		var e *tokenizer.Encoding
		if *pairs {
			a, b, ok := strings.Cut(text, "\t")
			if !ok {
				return fmt.Errorf("tokenize: line %d: --pairs needs two texts separated by a tab", n)
			}
			e, err = tok.EncodePair(a, b, !*noSpecial)
		} else {
			e, err = tok.Encode(text, !*noSpecial)
		}
		if err != nil {
			return fmt.Errorf("tokenize: line %d: %w", n, err)
		}
		l := line{InputIDs: e.IDs, AttentionMask: e.AttentionMask, TokenTypeIDs: e.TypeIDs}
		if *withTokens {
			l.Tokens = e.Tokens
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("tokenize: reading stdin: %w", err)
	}
	return nil
}
