package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// CreateRepo creates repoID ("namespace/name", or "name" for the token's user) of repoType
// ("model" or "dataset"; empty means model) with POST /api/repos/create, as
// huggingface_hub's create_repo does, and returns the repository URL. A 409 (the repository
// exists) is success when existOK is set, and an error of kind ErrConflict otherwise.
func (c *Client) CreateRepo(ctx context.Context, repoType, repoID string, private, existOK bool) (string, error) {
	r, err := newRepoRef(repoType, repoID)
	if err != nil {
		return "", err
	}
	body := map[string]any{}
	if ns, name, ok := strings.Cut(r.id, "/"); ok {
		body["organization"], body["name"] = ns, name
	} else {
		body["name"] = r.id
	}
	if r.typ != "model" {
		body["type"] = r.typ
	}
	if private {
		body["visibility"] = "private"
	}
	// Not retried: a create that reached the server and lost its reply would turn into a
	// 409 on the retry.
	resp, raw, err := c.sendJSON(ctx, http.MethodPost, c.opts.Endpoint+"/api/repos/create", "application/json", body, 0)
	if err != nil {
		return "", &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Message: err.Error()}
	}
	var out struct {
		URL string `json:"url"`
	}
	_ = json.Unmarshal(raw, &out) // a 409 body may carry the url; absent is fine
	switch {
	case resp.StatusCode == http.StatusConflict && existOK:
	case resp.StatusCode >= 400:
		return "", errorFromResponse(r, "", "", resp, raw)
	}
	if out.URL == "" {
		out.URL = c.opts.Endpoint + "/" + r.urlPrefix() + r.id
	}
	return out.URL, nil
}

// WhoAmI returns the name of the user (or organization) the token belongs to, from
// GET /api/whoami-v2. A missing or refused token is an error of kind ErrUnauthorized.
func (c *Client) WhoAmI(ctx context.Context) (string, error) {
	u := c.opts.Endpoint + "/api/whoami-v2"
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) {
		return c.newRequest(ctx, http.MethodGet, u)
	})
	if err != nil {
		return "", fmt.Errorf("hub: whoami: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("hub: whoami: %w", err)
	}
	if resp.StatusCode >= 400 {
		e := errorFromResponse(repoRef{typ: "model"}, "", "", resp, raw)
		return "", fmt.Errorf("hub: whoami: HTTP %d: %w (%s)", resp.StatusCode, e.Kind, e.Message)
	}
	var out struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Name == "" {
		return "", fmt.Errorf("hub: whoami: reply has no name: %q", shortBody(raw))
	}
	return out.Name, nil
}

// sendJSON sends v as JSON (or raw bytes when v is []byte) with the given content type,
// retrying up to retries times, and returns the response (body consumed) with at most 16 MiB
// of its body.
func (c *Client) sendJSON(ctx context.Context, method, u, contentType string, v any, retries int) (*http.Response, []byte, error) {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, nil, fmt.Errorf("%s %s: encode: %w", method, u, err)
		}
	}
	resp, err := c.do(ctx, c.follow, retries, func() (*http.Request, error) {
		req, err := c.newRequest(ctx, method, u)
		if err != nil {
			return nil, err
		}
		setBody(req, b)
		req.Header.Set("Content-Type", contentType)
		return req, nil
	})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read reply: %w", method, safeURL(resp.Request.URL), err)
	}
	return resp, raw, nil
}

// setBody gives req a replayable in-memory body (redirects and retries resend it).
func setBody(req *http.Request, b []byte) {
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.ContentLength = int64(len(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}
