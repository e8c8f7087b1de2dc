package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
)

const lfsMediaType = "application/vnd.git-lfs+json"

// lfsAction is one action of a Git LFS batch reply.
type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

// lfsObject is one object of a Git LFS batch reply.
type lfsObject struct {
	OID     string `json:"oid"`
	Size    *int64 `json:"size"`
	Actions *struct {
		Upload *lfsAction `json:"upload"`
		Verify *lfsAction `json:"verify"`
	} `json:"actions"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// uploadLFS sends the LFS batch request for adds and uploads what the server asks for.
func (c *Client) uploadLFS(ctx context.Context, r repoRef, revision string, adds []*addition) error {
	type obj struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	req := struct {
		Operation string            `json:"operation"`
		Transfers []string          `json:"transfers"`
		Objects   []obj             `json:"objects"`
		HashAlgo  string            `json:"hash_algo"`
		Ref       map[string]string `json:"ref"`
	}{Operation: "upload", Transfers: []string{"basic", "multipart"}, HashAlgo: "sha256", Ref: map[string]string{"name": revision}}
	byOID := map[string]*addition{}
	for _, a := range adds {
		if byOID[a.oid] == nil {
			req.Objects = append(req.Objects, obj{a.oid, a.size})
		}
		byOID[a.oid] = a
	}
	u := c.opts.Endpoint + "/" + r.urlPrefix() + r.id + ".git/info/lfs/objects/batch"
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
		rq, err := c.newRequest(ctx, http.MethodPost, u)
		if err != nil {
			return nil, err
		}
		setBody(rq, body)
		rq.Header.Set("Accept", lfsMediaType)
		rq.Header.Set("Content-Type", lfsMediaType)
		return rq, nil
	})
	fail := func(path string, status int, msg string) error {
		return &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: path, Status: status, Message: msg}
	}
	if err != nil {
		return fail("", 0, "LFS batch: "+err.Error())
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	resp.Body.Close()
	if err != nil {
		return fail("", resp.StatusCode, "LFS batch: read reply: "+err.Error())
	}
	if resp.StatusCode >= 400 {
		return errorFromResponse(r, revision, "", resp, raw)
	}
	var out struct {
		Transfer string      `json:"transfer"`
		Objects  []lfsObject `json:"objects"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Objects == nil {
		return fail("", resp.StatusCode, fmt.Sprintf("LFS batch reply has no objects list: %q", shortBody(raw)))
	}
	for _, o := range out.Objects {
		a := byOID[o.OID]
		switch {
		case a == nil:
			return fail("", resp.StatusCode, "LFS batch reply names an object that was not asked for: "+o.OID)
		case o.Size == nil:
			return fail(a.op.PathInRepo, resp.StatusCode, "LFS batch reply: object without a size")
		case o.Error != nil:
			return fail(a.op.PathInRepo, o.Error.Code, "LFS batch: "+o.Error.Message)
		}
	}
	for _, o := range out.Objects {
		a := byOID[o.OID]
		if o.Actions == nil || o.Actions.Upload == nil {
			continue // the server already has it
		}
		if err := c.transferLFS(ctx, r, revision, a, o); err != nil {
			return err
		}
	}
	return nil
}

// transferLFS uploads one object (basic or multipart) and calls verify when offered.
func (c *Client) transferLFS(ctx context.Context, r repoRef, revision string, a *addition, o lfsObject) error {
	var err error
	up := o.Actions.Upload
	// As huggingface_hub: an upload action with a chunk_size header is multipart,
	// whatever the reply's transfer field says.
	if _, multi := up.Header["chunk_size"]; multi {
		err = c.uploadMultipart(ctx, a, up)
	} else {
		err = c.putRange(ctx, a, up.Href, up.Header, 0, a.size, nil)
	}
	if err == nil && o.Actions.Verify != nil && o.Actions.Verify.Href != "" {
		err = c.verifyLFS(ctx, a, o.Actions.Verify)
	}
	if err != nil {
		e := &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: revision, Path: a.op.PathInRepo, Message: "LFS upload: " + err.Error()}
		if se, ok := err.(*statusError); ok {
			e.Status = se.status
		}
		return e
	}
	return nil
}

// statusError is a failed transfer request with the status it got.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// putRange PUTs bytes [off, off+n) of a to href, streamed from the file, retried on 429/5xx.
// The token is never sent: href is a presigned URL. etag, when not nil, receives the
// reply's ETag.
func (c *Client) putRange(ctx context.Context, a *addition, href string, header map[string]string, off, n int64, etag *string) error {
	f, err := a.open()
	if err != nil {
		return err
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return fmt.Errorf("%s: not seekable", a.op.PathInRepo)
	}
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, href, nil)
		if err != nil {
			return nil, fmt.Errorf("PUT: %w", err)
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		req.Header.Del("Authorization")
		req.Body = io.NopCloser(io.NewSectionReader(ra, off, n))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(ra, off, n)), nil }
		req.ContentLength = n
		if n == 0 {
			req.Body = http.NoBody
		}
		return req, nil
	})
	if err != nil {
		return err
	}
	body := readErrorBody(resp)
	if resp.StatusCode >= 300 {
		return &statusError{resp.StatusCode, fmt.Sprintf("PUT %s: HTTP %d: %s", safeURL(resp.Request.URL), resp.StatusCode, shortBody(body))}
	}
	if etag != nil {
		if *etag = resp.Header.Get("ETag"); *etag == "" {
			return fmt.Errorf("PUT %s: reply has no ETag", safeURL(resp.Request.URL))
		}
	}
	return nil
}

// uploadMultipart PUTs the parts the server listed ("00001"…, chunk_size) and POSTs the
// completion to href with their ETags, passed back verbatim.
func (c *Client) uploadMultipart(ctx context.Context, a *addition, up *lfsAction) error {
	chunk, err := strconv.ParseInt(up.Header["chunk_size"], 10, 64)
	if err != nil || chunk <= 0 {
		return fmt.Errorf("multipart: bad chunk_size %q", up.Header["chunk_size"])
	}
	var keys []string
	for k := range up.Header {
		if _, err := strconv.Atoi(k); err == nil {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return atoi(keys[i]) < atoi(keys[j]) })
	if want := (a.size + chunk - 1) / chunk; int64(len(keys)) != want {
		return fmt.Errorf("multipart: server listed %d parts, %d bytes in chunks of %d need %d", len(keys), a.size, chunk, want)
	}
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	parts := make([]part, len(keys))
	for i, k := range keys {
		if atoi(k) != i+1 {
			return fmt.Errorf("multipart: part keys are not 1…%d: %q", len(keys), k)
		}
		off := int64(i) * chunk
		parts[i].PartNumber = i + 1
		if err := c.putRange(ctx, a, up.Header[k], nil, off, min(chunk, a.size-off), &parts[i].ETag); err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
	}
	body, err := json.Marshal(map[string]any{"oid": a.oid, "parts": parts})
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, up.Href, nil)
		if err != nil {
			return nil, fmt.Errorf("multipart completion: %w", err)
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		req.Header.Set("Accept", lfsMediaType)
		req.Header.Set("Content-Type", lfsMediaType)
		setBody(req, body)
		return req, nil
	})
	if err != nil {
		return err
	}
	rb := readErrorBody(resp)
	if resp.StatusCode >= 300 {
		return &statusError{resp.StatusCode, fmt.Sprintf("multipart completion: HTTP %d: %s", resp.StatusCode, shortBody(rb))}
	}
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// verifyLFS POSTs {"oid","size"} to the verify action, with the token when it is on the
// endpoint's origin (as huggingface_hub does).
func (c *Client) verifyLFS(ctx context.Context, a *addition, v *lfsAction) error {
	body, err := json.Marshal(map[string]any{"oid": a.oid, "size": a.size})
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
		req, err := c.newRequest(ctx, http.MethodPost, v.Href)
		if err != nil {
			return nil, err
		}
		for k, val := range v.Header {
			req.Header.Set(k, val)
		}
		setBody(req, body)
		req.Header.Set("Accept", lfsMediaType)
		req.Header.Set("Content-Type", lfsMediaType)
		return req, nil
	})
	if err != nil {
		return err
	}
	rb := readErrorBody(resp)
	if resp.StatusCode >= 300 {
		return &statusError{resp.StatusCode, fmt.Sprintf("verify: HTTP %d: %s", resp.StatusCode, shortBody(rb))}
	}
	return nil
}
