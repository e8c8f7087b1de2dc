package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hftrain/hftrain/hub"
	"golang.org/x/term"
)

// loginCmd checks a token with the Hub (whoami) and stores it where huggingface_hub keeps it
// ($HF_TOKEN_PATH or $HF_HOME/token), as `huggingface-cli login --token` does, so that hftrain,
// transformers and huggingface_hub all use it. The token comes from --token or, when that is
// absent, from the first line of standard input (`hftrain login < token.txt`); it is never
// printed.
func loginCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tokenFlag := fs.String("token", "", "the access token (default: read one line from standard input)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("login: unexpected argument %q (pass the token with --token or on standard input)", fs.Arg(0))
	}
	token := strings.TrimSpace(*tokenFlag)
	if token == "" {
		fmt.Fprint(stderr, "Token: ")
		var err error
		token, err = readToken(stdin)
		fmt.Fprintln(stderr)
		if err != nil {
			return fmt.Errorf("login: reading the token: %w", err)
		}
	}
	if token == "" {
		return errors.New("login: no token given (create one at https://huggingface.co/settings/tokens)")
	}
	if strings.HasPrefix(token, "api_org") {
		return errors.New("login: organization API tokens cannot log in; use a personal access token")
	}
	o := hub.OptionsFromEnv(os.Environ())
	o.Token = token
	user, err := hub.New(o).WhoAmI(ctx)
	if err != nil {
		return fmt.Errorf("login: the Hub did not accept the token: %w", err)
	}
	path := hub.TokenPath(os.Environ())
	if err := hub.SaveToken(path, token); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	fmt.Fprintf(stdout, "Token is valid (user %s).\nYour token has been saved to %s\nLogin successful\n", user, path)
	return nil
}

// readToken reads one line: from a terminal without echo (as getpass does for
// huggingface-cli), otherwise as it comes (`hftrain login < token.txt`).
func readToken(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
