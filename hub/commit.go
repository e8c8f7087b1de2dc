package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// CommitOperation is one change of a commit: an addition (Content, or LocalPath streamed
// from disk) or, with Delete, the removal of PathInRepo (a folder when it ends in "/").
type CommitOperation struct {
	// PathInRepo is the file's path in the repository, "/"-separated.
	PathInRepo string
	// Content is the file's content; it is used when LocalPath is empty.
	Content []byte
	// LocalPath is a file on disk to upload instead of Content.
	LocalPath string
	// Delete removes PathInRepo instead of adding it.
	Delete bool
}

// Batch sizes of huggingface_hub (preupload and LFS batch calls).
const (
	preuploadChunk = 256
	lfsBatchChunk  = 256
	sampleSize     = 512
)

// addition is a prepared file: its size, first bytes and sha256, computed once.
type addition struct {
	op     CommitOperation
	size   int64
	sample []byte
	oid    string // sha256 hex
	mode   string // "lfs" or "regular", from preupload
	ignore bool   // preupload's shouldIgnore
}

// open returns the content from its start; the caller closes it.
func (a *addition) open() (io.ReadSeekCloser, error) {
	if a.op.LocalPath == "" {
		return nopSeekCloser{bytes.NewReader(a.op.Content)}, nil
	}
	return os.Open(a.op.LocalPath)
}

type nopSeekCloser struct{ *bytes.Reader }

func (nopSeekCloser) Close() error { return nil }

// prepare reads the addition once: size, the first 512 bytes and the sha256.
func (a *addition) prepare() error {
	f, err := a.open()
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitWriter{w: &head, n: sampleSize}), f)
	if err != nil {
		return fmt.Errorf("read %s: %w", a.op.LocalPath, err)
	}
	a.size, a.sample, a.oid = n, head.Bytes(), hex.EncodeToString(h.Sum(nil))
	return nil
}

// limitWriter keeps the first n bytes written and discards the rest.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}

// CreateCommit commits ops to revision (a branch; empty means "main") of repoID with
// message as its summary, as huggingface_hub's create_commit does: preupload (which
// additions go to LFS), upload of the LFS content (Git LFS batch API, basic or multipart
// transfer), then the NDJSON commit call. With parentCommit set, the server refuses the
// commit if the branch has moved. It returns the new commit's id.
func (c *Client) CreateCommit(ctx context.Context, repoType, repoID, revision, message string, ops []CommitOperation, parentCommit string) (string, error) {
	r, err := newRepoRef(repoType, repoID)
	if err != nil {
		return "", err
	}
	if revision == "" {
		revision = "main"
	}
	fail := func(path string, kind error, msg string) error {
		return &Error{Kind: kind, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Message: msg}
	}
	if err := checkRevision(revision); err != nil {
		return "", err
	}
	if strings.TrimSpace(message) == "" {
		return "", fail("", ErrInvalid, "empty commit message")
	}
	if len(ops) == 0 {
		return "", fail("", ErrInvalid, "no operations")
	}
	var adds []*addition
	for _, op := range ops {
		p := strings.TrimSuffix(op.PathInRepo, "/")
		if err := checkRepoPath(p); err != nil {
			return "", fail(op.PathInRepo, ErrInvalid, err.Error())
		}
		if op.Delete {
			continue
		}
		a := &addition{op: op}
		if err := a.prepare(); err != nil {
			return "", fail(op.PathInRepo, ErrInvalid, err.Error())
		}
		adds = append(adds, a)
	}
	for i := 0; i < len(adds); i += preuploadChunk {
		if err := c.preupload(ctx, r, revision, adds[i:min(i+preuploadChunk, len(adds))]); err != nil {
			return "", err
		}
	}
	var lfs []*addition
	for _, a := range adds {
		if a.mode == "lfs" && !a.ignore {
			lfs = append(lfs, a)
		}
	}
	for i := 0; i < len(lfs); i += lfsBatchChunk {
		if err := c.uploadLFS(ctx, r, revision, lfs[i:min(i+lfsBatchChunk, len(lfs))]); err != nil {
			return "", err
		}
	}
	body, err := commitPayload(message, "", parentCommit, ops, adds)
	if err != nil {
		return "", fail("", ErrInvalid, err.Error())
	}
	return c.sendCommit(ctx, r, revision, body)
}

// preupload asks which additions go to LFS (POST /api/{type}s/{id}/preupload/{rev}).
func (c *Client) preupload(ctx context.Context, r repoRef, revision string, adds []*addition) error {
	type file struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		Sample string `json:"sample"`
	}
	req := struct {
		Files     []file `json:"files"`
		GitIgnore string `json:"gitIgnore,omitempty"`
	}{}
	for _, a := range adds {
		req.Files = append(req.Files, file{a.op.PathInRepo, a.size, base64.StdEncoding.EncodeToString(a.sample)})
		if a.op.PathInRepo == ".gitignore" && a.size < 1<<20 {
			if b, err := readAll(a); err == nil {
				req.GitIgnore = string(b)
			}
		}
	}
	u := c.apiURL(r, "preupload/"+url.PathEscape(revision))
	resp, raw, err := c.sendJSON(ctx, http.MethodPost, u, "application/json", req, c.opts.MaxRetries)
	if err != nil {
		return &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Message: "preupload: " + err.Error()}
	}
	if resp.StatusCode >= 400 {
		return errorFromResponse(r, revision, "", resp, raw)
	}
	var out struct {
		Files []struct {
			Path         string `json:"path"`
			UploadMode   string `json:"uploadMode"`
			ShouldIgnore *bool  `json:"shouldIgnore"`
		} `json:"files"`
	}
	bad := func(path, msg string) error {
		return &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Status: resp.StatusCode, Message: "preupload reply: " + msg}
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Files == nil {
		return bad("", fmt.Sprintf("not a files list: %q", shortBody(raw)))
	}
	byPath := map[string]*addition{}
	for _, a := range adds {
		byPath[a.op.PathInRepo] = a
	}
	for _, f := range out.Files {
		a := byPath[f.Path]
		switch {
		case a == nil:
			return bad(f.Path, "a file that was not asked for")
		case f.UploadMode != "lfs" && f.UploadMode != "regular":
			return bad(f.Path, fmt.Sprintf("uploadMode %q", f.UploadMode))
		case f.ShouldIgnore == nil:
			return bad(f.Path, "no shouldIgnore")
		}
		a.mode, a.ignore = f.UploadMode, *f.ShouldIgnore
		if a.size == 0 {
			a.mode = "regular" // as huggingface_hub: empty files are never LFS
		}
	}
	for _, a := range adds {
		if a.mode == "" {
			return bad(a.op.PathInRepo, "file missing from the reply")
		}
	}
	return nil
}

func readAll(a *addition) ([]byte, error) {
	f, err := a.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// commitPayload encodes the NDJSON body of the commit call: the header line, then one line
// per operation in the order given, each ending in "\n" (as huggingface_hub; keys in its
// order, compact as @huggingface/hub, description left out when empty as @huggingface/hub).
// Additions that preupload said to ignore are left out.
func commitPayload(summary, description, parentCommit string, ops []CommitOperation, adds []*addition) ([]byte, error) {
	type header struct {
		Summary      string `json:"summary"`
		Description  string `json:"description,omitempty"`
		ParentCommit string `json:"parentCommit,omitempty"`
	}
	type line struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(line{"header", header{summary, description, parentCommit}}); err != nil {
		return nil, err
	}
	k := 0
	for _, op := range ops {
		var l line
		switch {
		case op.Delete && strings.HasSuffix(op.PathInRepo, "/"):
			l = line{"deletedFolder", map[string]string{"path": op.PathInRepo}}
		case op.Delete:
			l = line{"deletedFile", map[string]string{"path": op.PathInRepo}}
		default:
			a := adds[k]
			k++
			if a.ignore {
				continue
			}
			if a.mode == "lfs" {
				l = line{"lfsFile", struct {
					Path string `json:"path"`
					Algo string `json:"algo"`
					OID  string `json:"oid"`
					Size int64  `json:"size"`
				}{a.op.PathInRepo, "sha256", a.oid, a.size}}
				break
			}
			b, err := readAll(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.op.PathInRepo, err)
			}
			if int64(len(b)) != a.size {
				return nil, fmt.Errorf("%s: changed while committing (%d bytes, then %d)", a.op.PathInRepo, a.size, len(b))
			}
			l = line{"file", struct {
				Content  string `json:"content"`
				Path     string `json:"path"`
				Encoding string `json:"encoding"`
			}{base64.StdEncoding.EncodeToString(b), a.op.PathInRepo, "base64"}}
		}
		if err := enc.Encode(l); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// sendCommit posts the NDJSON body (not retried: a commit is not idempotent) and returns
// commitOid.
func (c *Client) sendCommit(ctx context.Context, r repoRef, revision string, body []byte) (string, error) {
	u := c.apiURL(r, "commit/"+url.PathEscape(revision))
	resp, raw, err := c.sendJSON(ctx, http.MethodPost, u, "application/x-ndjson", body, 0)
	if err != nil {
		return "", &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Message: "commit: " + err.Error()}
	}
	if resp.StatusCode >= 400 {
		return "", errorFromResponse(r, revision, "", resp, raw)
	}
	var out struct {
		CommitOID string `json:"commitOid"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || checkName("commit", out.CommitOID) != nil {
		return "", &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Status: resp.StatusCode, Message: fmt.Sprintf("commit reply without a commitOid: %q", shortBody(raw))}
	}
	return out.CommitOID, nil
}
