package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var errTooManyRedirects = errors.New("hub: too many redirects")

// maxBackoff caps the wait between retries, as huggingface_hub does (1, 2, 4, 8 s).
const maxBackoff = 8 * time.Second

// fileURL is {endpoint}/{prefix}{repo_id}/resolve/{revision}/{path}, the revision
// percent-encoded whole (refs/convert/parquet → refs%2Fconvert%2Fparquet) and each path
// segment encoded, as huggingface_hub builds it.
func (c *Client) fileURL(r repoRef, revision, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return c.opts.Endpoint + "/" + r.urlPrefix() + r.id + "/resolve/" + url.PathEscape(revision) + "/" + strings.Join(segs, "/")
}

// apiURL is {endpoint}/api/{type}s/{repo_id}/{rest...}.
func (c *Client) apiURL(r repoRef, rest string) string {
	return c.opts.Endpoint + "/api/" + r.typ + "s/" + r.id + "/" + rest
}

// newRequest builds a request with the user agent, and the token only when u is on the
// endpoint's origin.
func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hub: %s %s: %w", method, u, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.opts.Token != "" && originOfURL(req.URL) == c.origin {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	return req, nil
}

// retryable reports whether a status is worth retrying (huggingface_hub's list).
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff returns the wait before retry number attempt (0-based): Retry-After when the
// response carries one, else Backoff doubled per attempt, capped at maxBackoff.
func (c *Client) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s >= 0 {
				return min(time.Duration(s)*time.Second, time.Minute)
			}
			if t, err := http.ParseTime(ra); err == nil {
				return min(max(time.Until(t), 0), time.Minute)
			}
		}
	}
	d := c.opts.Backoff << attempt
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do sends the request that mk builds, retrying up to retries times on network errors and
// retryable statuses. The caller closes the returned body. A final retryable status is
// returned as the response.
func (c *Client) do(ctx context.Context, hc *http.Client, retries int, mk func() (*http.Request, error)) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := mk()
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		last := attempt >= retries
		switch {
		case err != nil && (ctx.Err() != nil || last || errors.Is(err, errTooManyRedirects)):
			return nil, requestError(req, err)
		case err != nil:
			if err := sleep(ctx, c.backoff(attempt, nil)); err != nil {
				return nil, requestError(req, err)
			}
		case retryable(resp.StatusCode) && !last:
			d := c.backoff(attempt, resp)
			drain(resp)
			if err := sleep(ctx, d); err != nil {
				return nil, requestError(req, err)
			}
		default:
			return resp, nil
		}
	}
}

// requestError wraps a transport error for req without the URL's query or user info: a
// presigned upload URL carries its signature in the query, and *url.Error would print it.
func requestError(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("hub: %s %s: %w", req.Method, safeURL(req.URL), err)
}

// safeURL prints u without user info and with the query elided.
func safeURL(u *url.URL) string {
	v := *u
	v.User = nil
	if v.RawQuery != "" {
		v.RawQuery = "…"
	}
	v.ForceQuery = false
	return v.String()
}

// drain reads a little of the body and closes it so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	resp.Body.Close()
}

// readErrorBody reads at most 64 KiB of an error reply and closes it.
func readErrorBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return b
}
