package hub

import (
	"context"
	"fmt"
)

// RevisionCommit returns the commit that revision (a branch, tag or commit id; empty means
// "main") of repoID resolves to on the Hub, from GET /api/{type}s/{id}/revision/{rev} as
// huggingface_hub's repo_info(revision=...) does. It reads no cache and writes none: a
// caller uses it to learn whether a branch exists before pushing to it.
//
// Errors are *Error values of the usual kinds: ErrRevisionNotFound when the repository has
// no such revision, ErrRepoNotFound, ErrUnauthorized or ErrGated when it cannot be seen,
// ErrHTTP for other failures, and ErrOffline (without a request) when the client is offline.
func (c *Client) RevisionCommit(ctx context.Context, repoType, repoID, revision string) (string, error) {
	r, err := newRepoRef(repoType, repoID)
	if err != nil {
		return "", err
	}
	if revision == "" {
		revision = "main"
	}
	if err := checkRevision(revision); err != nil {
		return "", &Error{Kind: ErrInvalid, RepoType: r.typ, RepoID: r.id, Revision: revision, Message: err.Error()}
	}
	if c.opts.Offline {
		return "", &Error{Kind: ErrOffline, RepoType: r.typ, RepoID: r.id, Revision: revision,
			Message: "HF_HUB_OFFLINE is set and resolving a revision needs the Hub"}
	}
	info, err := c.repoInfo(ctx, r, revision)
	if err != nil {
		return "", err
	}
	if info.SHA == "" {
		return "", &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision,
			Message: fmt.Sprintf("repo info of revision %q has no sha", revision)}
	}
	return info.SHA, nil
}
