package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// fileMeta is what the metadata HEAD of /resolve tells: the commit the revision resolved to,
// the blob's etag, its size and the URL the content comes from.
type fileMeta struct {
	commit string
	etag   string
	size   int64
	url    string // the /resolve URL, or the absolute Location of an LFS redirect
}

// Download fetches path of repoID at revision (default "main") into the cache and returns the
// snapshot path (snapshots/<commit>/<path>, a symlink to the blob), with
// huggingface_hub.hf_hub_download semantics: a cached commit is served without a request,
// offline mode resolves from refs/ and snapshots/, a 404 for the file is recorded in
// .no_exist, and when the Hub cannot be reached (network error, 5xx, 401/403/404 of the
// repository) a cached copy of the revision is returned if there is one.
func (c *Client) Download(ctx context.Context, repoType, repoID, revision, path string) (string, error) {
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
	if err := checkRepoPath(path); err != nil {
		return "", err
	}
	rc := repoCache{root: c.opts.CacheDir, repo: r}
	if isCommit(revision) {
		if _, err := os.Stat(rc.pointer(revision, path)); err == nil {
			return rc.pointer(revision, path), nil
		}
	}
	if c.opts.Offline {
		return c.fromCache(rc, revision, path, ErrOffline, "HF_HUB_OFFLINE is set")
	}
	retries := c.opts.MaxRetries
	if cached, _, _, err := rc.lookup(revision, path); err == nil && cached != "" {
		retries = 0
	}
	meta, err := c.fileMetadata(ctx, r, revision, path, retries)
	if err != nil {
		return c.onMetadataError(ctx, rc, revision, path, err)
	}
	if err := ensureRoot(c.opts.CacheDir); err != nil {
		return "", err
	}
	if err := rc.writeRef(revision, meta.commit); err != nil {
		return "", err
	}
	if _, err := os.Stat(rc.pointer(meta.commit, path)); err == nil {
		return rc.pointer(meta.commit, path), nil
	}
	if err := c.fetchBlob(ctx, rc, revision, path, meta); err != nil {
		return "", err
	}
	return rc.link(meta.commit, path, meta.etag)
}

// onMetadataError decides, as huggingface_hub does, between raising the error and serving
// the cache: a missing revision or file is always an error (the latter recorded in
// .no_exist); anything else falls back to a cached copy when there is one.
func (c *Client) onMetadataError(ctx context.Context, rc repoCache, revision, path string, err error) (string, error) {
	var he *Error
	if errors.As(err, &he) {
		switch {
		case he.Kind == ErrEntryNotFound && he.commit != "" && checkName("commit", he.commit) == nil:
			if werr := ensureRoot(c.opts.CacheDir); werr != nil {
				return "", werr
			}
			if werr := rc.markMissing(he.commit, path); werr != nil {
				return "", werr
			}
			if werr := rc.writeRef(revision, he.commit); werr != nil {
				return "", werr
			}
			return "", err
		case he.Kind == ErrEntryNotFound || he.Kind == ErrRevisionNotFound:
			return "", err
		}
	}
	if ctx.Err() != nil {
		return "", err
	}
	if found, _, _, lerr := rc.lookup(revision, path); lerr == nil && found != "" {
		return found, nil
	}
	return "", err
}

// fromCache serves path at revision from the cache only; kind and why describe the failure
// when it is not there.
func (c *Client) fromCache(rc repoCache, revision, path string, kind error, why string) (string, error) {
	found, missing, commit, err := rc.lookup(revision, path)
	if err != nil {
		return "", err
	}
	e := &Error{Kind: kind, RepoType: rc.repo.typ, RepoID: rc.repo.id, Revision: revision, Path: path}
	switch {
	case found != "":
		return found, nil
	case missing:
		e.Kind = ErrEntryNotFound
		e.Message = fmt.Sprintf("%s; the cache records it as missing at commit %s (.no_exist)", why, commit)
	case commit == "":
		e.Message = fmt.Sprintf("%s and %s has no refs/%s", why, rc.dir(), revision)
	default:
		e.Message = fmt.Sprintf("%s and %s is not cached", why, rc.pointer(commit, path))
	}
	return "", e
}

// fileMetadata sends the HEAD of /resolve without following redirects to other origins:
// relative redirects (renamed repos) are followed; an absolute Location is the content URL.
// retries bounds the retries of the HEAD: none when a cached copy can answer instead, as
// huggingface_hub falls back to its cache quickly.
func (c *Client) fileMetadata(ctx context.Context, r repoRef, revision, path string, retries int) (*fileMeta, error) {
	u := c.fileURL(r, revision, path)
	for hops := 0; ; hops++ {
		resp, err := c.do(ctx, c.noFollow, retries, func() (*http.Request, error) {
			req, err := c.newRequest(ctx, http.MethodHead, u)
			if err == nil {
				req.Header.Set("Accept-Encoding", "identity")
			}
			return req, err
		})
		if err != nil {
			return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Message: err.Error()}
		}
		body := readErrorBody(resp)
		if resp.StatusCode >= 400 {
			return nil, errorFromResponse(r, revision, path, resp, body)
		}
		loc := resp.Header.Get("Location")
		redirect := resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != ""
		if redirect {
			lu, err := url.Parse(loc)
			if err != nil {
				return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Status: resp.StatusCode, Message: "bad Location " + strconv.Quote(loc)}
			}
			if !lu.IsAbs() && lu.Host == "" {
				if hops >= 10 {
					return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Message: "too many redirects"}
				}
				u = resp.Request.URL.ResolveReference(lu).String()
				continue
			}
		}
		return c.metaFromHead(r, revision, path, u, resp, redirect)
	}
}

// metaFromHead reads commit, etag and size from a HEAD reply: etag is X-Linked-Etag, else
// ETag, without W/ and quotes; size is X-Linked-Size, else Content-Length of a non-redirect.
func (c *Client) metaFromHead(r repoRef, revision, path, u string, resp *http.Response, redirect bool) (*fileMeta, error) {
	fail := func(msg string) (*fileMeta, error) {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Status: resp.StatusCode, Message: msg}
	}
	m := &fileMeta{commit: resp.Header.Get("X-Repo-Commit"), url: u}
	m.etag = normalizeETag(resp.Header.Get("X-Linked-Etag"))
	if m.etag == "" {
		m.etag = normalizeETag(resp.Header.Get("ETag"))
	}
	sz := resp.Header.Get("X-Linked-Size")
	if sz == "" && !redirect {
		sz = resp.Header.Get("Content-Length")
	}
	if redirect {
		m.url = resp.Request.URL.ResolveReference(mustParse(resp.Header.Get("Location"))).String()
	}
	size, err := strconv.ParseInt(sz, 10, 64)
	switch {
	case m.commit == "":
		return fail("reply has no X-Repo-Commit")
	case m.etag == "":
		return fail("reply has no ETag")
	case sz == "" || err != nil || size < 0:
		return fail("reply has no usable size")
	}
	if err := checkName("commit", m.commit); err != nil {
		return fail(err.Error())
	}
	if err := checkName("etag", m.etag); err != nil {
		return fail(err.Error())
	}
	m.size = size
	return m, nil
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// normalizeETag strips a weak-validator prefix and the quotes.
func normalizeETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}

// fetchBlob downloads the content into blobs/<etag> under the lock
// .locks/<repo-folder>/<etag>.lock, through a blobs/<etag>.<8hex>.incomplete file that is
// resumed with Range after a dropped connection and removed on failure. The size is always
// checked, and the sha256 when the etag is one (LFS files).
func (c *Client) fetchBlob(ctx context.Context, rc repoCache, revision, path string, m *fileMeta) error {
	lk, err := lockFile(ctx, rc.lockFile(m.etag))
	if err != nil {
		return err
	}
	defer lk.unlock()
	blob := rc.blob(m.etag)
	if _, err := os.Stat(blob); err == nil {
		return nil // another process finished it while we waited
	}
	if err := os.MkdirAll(rc.dir()+"/blobs", 0o777); err != nil {
		return fmt.Errorf("hub: blobs dir: %w", err)
	}
	tmp, err := rc.incomplete(m.etag)
	if err != nil {
		return err
	}
	// 0666 through the umask: the mode any new file in the folder gets, as Python sets it.
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o666)
	if err != nil {
		return fmt.Errorf("hub: %s: %w", tmp, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	fail := func(kind error, msg string) error {
		return &Error{Kind: kind, RepoType: rc.repo.typ, RepoID: rc.repo.id, Revision: revision, Path: path, Message: msg}
	}
	if err := c.copyContent(ctx, f, m, fail); err != nil {
		return err
	}
	if err := verifyBlob(f, m); err != nil {
		return fail(ErrIntegrity, err.Error())
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("hub: %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, blob); err != nil {
		return fmt.Errorf("hub: %s: %w", blob, err)
	}
	ok = true
	return nil
}

// copyContent GETs m.url into f, resuming with Range from the bytes already written when a
// connection drops, and restarting when the server ignores the Range.
func (c *Client) copyContent(ctx context.Context, f *os.File, m *fileMeta, fail func(error, string) error) error {
	var have int64
	for attempt := 0; ; attempt++ {
		resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
			req, err := c.newRequest(ctx, http.MethodGet, m.url)
			if err == nil {
				req.Header.Set("Accept-Encoding", "identity")
				if have > 0 {
					req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
				}
			}
			return req, err
		})
		if err != nil {
			return fail(ErrHTTP, err.Error())
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			have = 0 // Range ignored (or none sent): start over
			if err := f.Truncate(0); err != nil {
				resp.Body.Close()
				return fmt.Errorf("hub: truncate: %w", err)
			}
		case resp.StatusCode == http.StatusPartialContent && have > 0 && rangeStart(resp) == have:
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have == m.size:
			resp.Body.Close()
			return nil
		default:
			body := readErrorBody(resp)
			e := errorFromResponse(repoRef{typ: "", id: ""}, "", "", resp, body)
			return fail(e.Kind, fmt.Sprintf("content GET: HTTP %d: %s", resp.StatusCode, e.Message))
		}
		if _, err := f.Seek(have, io.SeekStart); err != nil {
			resp.Body.Close()
			return fmt.Errorf("hub: seek: %w", err)
		}
		n, err := io.Copy(f, io.LimitReader(resp.Body, m.size-have+1))
		resp.Body.Close()
		have += n
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fail(ErrHTTP, fmt.Sprintf("after %d of %d bytes: %v", have, m.size, ctx.Err()))
		}
		var pe *fs.PathError
		if errors.As(err, &pe) || attempt >= c.opts.MaxRetries {
			return fail(ErrHTTP, fmt.Sprintf("after %d of %d bytes: %v", have, m.size, err))
		}
		if err := sleep(ctx, c.backoff(attempt, nil)); err != nil {
			return fail(ErrHTTP, err.Error())
		}
	}
}

// rangeStart returns the first byte of a 206 reply's Content-Range, or -1.
func rangeStart(resp *http.Response) int64 {
	cr := resp.Header.Get("Content-Range")
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return -1
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// verifyBlob checks the size of f and, for an LFS etag, its sha256.
func verifyBlob(f *os.File, m *fileMeta) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != m.size {
		return fmt.Errorf("consistency check failed: got %d bytes, expected %d", st.Size(), m.size)
	}
	if !isSHA256(m.etag) {
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.etag {
		return fmt.Errorf("sha256 %s, expected %s", got, m.etag)
	}
	return nil
}
