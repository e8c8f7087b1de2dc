package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors that callers test with errors.Is. The concrete error is an *Error that names
// the repository, revision and file.
var (
	// ErrRepoNotFound: the repository does not exist or is private and the token cannot see it.
	ErrRepoNotFound = errors.New("repository not found")
	// ErrRevisionNotFound: the branch, tag or commit does not exist in the repository.
	ErrRevisionNotFound = errors.New("revision not found")
	// ErrEntryNotFound: the file does not exist at that revision.
	ErrEntryNotFound = errors.New("file not found")
	// ErrGated: the repository is gated and the token has not been granted access.
	ErrGated = errors.New("gated repository: access not granted")
	// ErrUnauthorized: the server refused the credentials (401 or 403 without a more precise code).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrOffline: offline mode is on and the cache does not hold what was asked for.
	ErrOffline = errors.New("offline mode: not in the local cache")
	// ErrHTTP: any other HTTP failure (after retries, where the request is retried).
	ErrHTTP = errors.New("HTTP error")
	// ErrConflict: the server refused a change that conflicts with its state (409 or 412):
	// the repository exists, or the branch moved past the commit's parentCommit.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the call's arguments were refused before any request (empty commit
	// message, bad path, unreadable local file, nothing to upload).
	ErrInvalid = errors.New("invalid argument")
	// ErrIntegrity: downloaded content does not match the expected size or sha256.
	ErrIntegrity = errors.New("downloaded content failed the integrity check")
)

// Error is the error returned by Client methods for a failure that concerns one repository.
type Error struct {
	Kind     error  // one of the Err* sentinels; errors.Is(err, ErrRepoNotFound) tests it
	RepoType string // "model" or "dataset"
	RepoID   string // namespace/name
	Revision string // as requested
	Path     string // file in the repository; empty for repository-level calls
	Status   int    // HTTP status, 0 when no response was involved
	Message  string // server message or local detail

	commit string // X-Repo-Commit of an EntryNotFound reply, for .no_exist
}

// Error formats the failure with the repository, revision and file it concerns.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hub: %s %s", e.RepoType, e.RepoID)
	if e.Revision != "" {
		fmt.Fprintf(&b, "@%s", e.Revision)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, " %s", e.Path)
	}
	fmt.Fprintf(&b, ": %v", e.Kind)
	switch {
	case e.Status != 0 && e.Message != "":
		fmt.Fprintf(&b, " (HTTP %d: %s)", e.Status, e.Message)
	case e.Status != 0:
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	case e.Message != "":
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	return b.String()
}

// Unwrap returns the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }

// errorFromResponse maps an error reply to an *Error the way huggingface_hub does: the
// X-Error-Code header first, then the status.
func errorFromResponse(r repoRef, revision, path string, resp *http.Response, body []byte) *Error {
	e := &Error{RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Status: resp.StatusCode}
	e.Message = resp.Header.Get("X-Error-Message")
	if e.Message == "" {
		e.Message = shortBody(body)
	}
	switch resp.Header.Get("X-Error-Code") {
	case "RepoNotFound":
		e.Kind = ErrRepoNotFound
	case "GatedRepo":
		e.Kind = ErrGated
	case "RevisionNotFound":
		e.Kind = ErrRevisionNotFound
	case "EntryNotFound":
		e.Kind = ErrEntryNotFound
		e.commit = resp.Header.Get("X-Repo-Commit")
	default:
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Kind = ErrUnauthorized
		case http.StatusConflict, http.StatusPreconditionFailed:
			e.Kind = ErrConflict
		default:
			e.Kind = ErrHTTP
		}
	}
	return e
}

// shortBody keeps an error body readable in a message: one line, at most 200 bytes.
func shortBody(body []byte) string {
	s := strings.TrimSpace(string(body))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
