package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// repoInfo is the part of GET /api/{type}s/{id}/revision/{rev} that a snapshot needs.
type repoInfo struct {
	SHA      string `json:"sha"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

// Snapshot downloads the files of repoID at revision (default "main") whose paths match one of
// the allow patterns (all files when allow is empty) and returns snapshots/<commit>, as
// huggingface_hub.snapshot_download does. Patterns are fnmatch patterns as huggingface_hub
// applies them: "*" also matches "/", and a pattern ending in "/" matches everything below.
// Offline, or when the Hub cannot be reached, the cached snapshot of the revision is returned
// if it exists.
func (c *Client) Snapshot(ctx context.Context, repoType, repoID, revision string, allow []string) (string, error) {
	r, err := newRepoRef(repoType, repoID)
	if err != nil {
		return "", err
	}
	if revision == "" {
		revision = "main"
	}
	if err := checkRevision(revision); err != nil {
		return "", err
	}
	match, err := compilePatterns(allow)
	if err != nil {
		return "", err
	}
	rc := repoCache{root: c.opts.CacheDir, repo: r}
	if c.opts.Offline {
		return c.cachedSnapshot(rc, revision, ErrOffline, "HF_HUB_OFFLINE is set")
	}
	info, err := c.repoInfo(ctx, r, revision)
	if err != nil {
		var he *Error
		if errors.As(err, &he) && (he.Kind == ErrRevisionNotFound || he.Kind == ErrEntryNotFound) || ctx.Err() != nil {
			return "", err
		}
		if dir, cerr := c.cachedSnapshot(rc, revision, ErrOffline, ""); cerr == nil {
			return dir, nil
		}
		return "", err
	}
	if err := ensureRoot(c.opts.CacheDir); err != nil {
		return "", err
	}
	if err := rc.writeRef(revision, info.SHA); err != nil {
		return "", err
	}
	for _, s := range info.Siblings {
		if !match(s.RFilename) {
			continue
		}
		if err := checkRepoPath(s.RFilename); err != nil {
			return "", fmt.Errorf("hub: %s %s@%s: %w", r.typ, r.id, revision, err)
		}
		if _, err := c.Download(ctx, r.typ, r.id, info.SHA, s.RFilename); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(rc.snapshot(info.SHA), 0o777); err != nil {
		return "", fmt.Errorf("hub: snapshot dir: %w", err)
	}
	return rc.snapshot(info.SHA), nil
}

// cachedSnapshot returns snapshots/<commit> for revision from the cache alone.
func (c *Client) cachedSnapshot(rc repoCache, revision string, kind error, why string) (string, error) {
	commit, err := rc.resolveCommit(revision)
	if err != nil {
		return "", err
	}
	e := &Error{Kind: kind, RepoType: rc.repo.typ, RepoID: rc.repo.id, Revision: revision}
	if commit == "" {
		e.Message = fmt.Sprintf("%s and %s has no refs/%s", why, rc.dir(), revision)
		return "", e
	}
	if st, err := os.Stat(rc.snapshot(commit)); err != nil || !st.IsDir() {
		e.Message = fmt.Sprintf("%s and %s is not cached", why, rc.snapshot(commit))
		return "", e
	}
	return rc.snapshot(commit), nil
}

// repoInfo fetches the revision's commit and file list.
func (c *Client) repoInfo(ctx context.Context, r repoRef, revision string) (*repoInfo, error) {
	u := c.apiURL(r, "revision/"+url.PathEscape(revision))
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) { return c.newRequest(ctx, http.MethodGet, u) })
	if err != nil {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Message: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errorFromResponse(r, revision, "", resp, readErrorBody(resp))
	}
	defer resp.Body.Close()
	var info repoInfo
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Status: resp.StatusCode, Message: "repo info: " + err.Error()}
	}
	if err := checkName("commit", info.SHA); err != nil {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Message: err.Error()}
	}
	return &info, nil
}

// compilePatterns returns a matcher for huggingface_hub's allow_patterns: a path is kept when
// any pattern matches it with Python's fnmatch; "dir/" means "dir/*"; no patterns keep all.
func compilePatterns(patterns []string) (func(string) bool, error) {
	if len(patterns) == 0 {
		return func(string) bool { return true }, nil
	}
	res := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		if strings.HasSuffix(p, "/") {
			p += "*"
		}
		re, err := regexp.Compile(fnmatchRegexp(p))
		if err != nil {
			return nil, fmt.Errorf("hub: pattern %q: %w", p, err)
		}
		res = append(res, re)
	}
	return func(s string) bool {
		for _, re := range res {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	}, nil
}

// fnmatchRegexp translates a shell pattern as Python's fnmatch.translate does: "*" is any
// run of characters (including "/"), "?" one character, "[seq]" / "[!seq]" a set, and a "["
// without its "]" a literal.
func fnmatchRegexp(pat string) string {
	return `(?s)\A` + translateGlob(pat, ".*", ".") + `\z`
}

// translateGlob translates the glob pat to a regular expression body, with star and one as the
// translations of "*" and "?": "[seq]" / "[!seq]" is a set and a "[" without its "]" a
// literal, as fnmatch.translate does.
func translateGlob(pat, star, one string) string {
	var b strings.Builder
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch ch := rs[i]; ch {
		case '*':
			b.WriteString(star)
		case '?':
			b.WriteString(one)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			set := rs[i+1 : j]
			b.WriteByte('[')
			if len(set) > 0 && set[0] == '!' {
				b.WriteByte('^')
				set = set[1:]
			} else if len(set) > 0 && set[0] == '^' {
				b.WriteString(`\^`)
				set = set[1:]
			}
			for _, r := range set {
				if r == '\\' || r == '[' || r == ']' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	return b.String()
}
