package hub

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// TokenPath returns the file where huggingface_hub keeps the active token, for the environment
// env (as os.Environ returns it): $HF_TOKEN_PATH, else $HF_HOME/token (HF_HOME defaulting to
// $XDG_CACHE_HOME/huggingface, then ~/.cache/huggingface), as huggingface_hub's constants.py.
// `huggingface-cli login` writes it, get_token reads it, and so do OptionsFromEnv and SaveToken.
func TokenPath(env []string) string {
	vars, expand := envVars(env)
	if p := vars["HF_TOKEN_PATH"]; p != "" {
		return expand(p)
	}
	return filepath.Join(hfHome(vars, expand), "token")
}

// SaveToken stores token at path the way huggingface_hub does (the bare token, no newline),
// readable by the owner only (0600), replacing any earlier token atomically, and creating the
// folder if needed. The token is never part of an error message.
func SaveToken(path, token string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return errors.New("hub: save token: the token is empty")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return errors.New("hub: save token: the token contains whitespace")
	}
	if err := writeFileAtomic(path, []byte(token), 0o600, 0o700); err != nil {
		return fmt.Errorf("hub: save token: %w", err)
	}
	return nil
}
