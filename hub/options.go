package hub

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// DefaultResponseHeaderTimeout bounds the wait for a reply's headers on the default
// transport. The Hub answers a commit of many files in well under a minute; five leave a wide
// margin.
const DefaultResponseHeaderTimeout = 5 * time.Minute

// DefaultEndpoint is the Hub used when neither Options.Endpoint nor HF_ENDPOINT is set.
const DefaultEndpoint = "https://huggingface.co"

// Options configure a Client. The zero value works: New fills in the defaults.
type Options struct {
	// Endpoint is the Hub origin, e.g. https://huggingface.co (HF_ENDPOINT). A trailing / is removed.
	Endpoint string
	// Token is sent as "Authorization: Bearer <token>" to the endpoint's origin only.
	Token string
	// CacheDir is the huggingface_hub cache root (HF_HUB_CACHE, else $HF_HOME/hub,
	// else ~/.cache/huggingface/hub).
	CacheDir string
	// Offline makes every call resolve from the cache without any request (HF_HUB_OFFLINE=1).
	Offline bool
	// HTTPClient is the client requests go through; nil means a new http.Client. Its
	// CheckRedirect is replaced on a copy so that redirects never carry the token off the
	// endpoint's origin.
	HTTPClient *http.Client
	// UserAgent is sent on every request; empty means "hftrain-hub; go/<version>".
	UserAgent string
	// MaxRetries bounds the retries of one request on 429, 5xx and dropped connections
	// (default 5; negative means none).
	MaxRetries int
	// ResponseHeaderTimeout bounds the wait for a reply once a request is sent, when
	// HTTPClient is nil (default DefaultResponseHeaderTimeout). A timed-out request counts as a
	// dropped connection: it is retried.
	ResponseHeaderTimeout time.Duration
	// Backoff is the first wait between retries, doubled each time up to 8 s (default 1 s).
	// A Retry-After header overrides it.
	Backoff time.Duration
}

// OptionsFromEnv reads the huggingface_hub environment variables from env (as os.Environ
// returns it; later entries win): HF_ENDPOINT, HF_TOKEN (legacy HUGGING_FACE_HUB_TOKEN), then
// the token file $HF_TOKEN_PATH or $HF_HOME/token, HF_HUB_CACHE (legacy
// HUGGINGFACE_HUB_CACHE), HF_HOME (else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface)
// and HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) = 1/ON/YES/TRUE.
func OptionsFromEnv(env []string) Options {
	vars, expand := envVars(env)
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := vars[k]; v != "" {
				return v
			}
		}
		return ""
	}
	o := Options{Endpoint: strings.TrimRight(get("HF_ENDPOINT"), "/")}
	if c := get("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"); c != "" {
		o.CacheDir = expand(c)
	} else {
		o.CacheDir = filepath.Join(hfHome(vars, expand), "hub")
	}
	o.Token = get("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
	if o.Token == "" {
		if b, err := os.ReadFile(TokenPath(env)); err == nil {
			o.Token = strings.TrimSpace(string(b))
		}
	}
	o.Offline = isTrue(get("HF_HUB_OFFLINE")) || isTrue(get("TRANSFORMERS_OFFLINE"))
	return o
}

// envVars indexes env (later entries win) and returns an expander of $VARS and a leading ~.
func envVars(env []string) (map[string]string, func(string) string) {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	expand := func(p string) string {
		p = os.Expand(p, func(k string) string { return vars[k] })
		if p == "~" || strings.HasPrefix(p, "~/") {
			p = filepath.Join(homeDir(vars), p[1:])
		}
		return p
	}
	return vars, expand
}

// hfHome is $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func hfHome(vars map[string]string, expand func(string) string) string {
	switch {
	case vars["HF_HOME"] != "":
		return expand(vars["HF_HOME"])
	case vars["XDG_CACHE_HOME"] != "":
		return filepath.Join(expand(vars["XDG_CACHE_HOME"]), "huggingface")
	}
	return filepath.Join(homeDir(vars), ".cache", "huggingface")
}

func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

func homeDir(vars map[string]string) string {
	if h := vars["HOME"]; h != "" {
		return h
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	return h
}

// Client downloads from one Hub endpoint into one cache. It is safe for concurrent use.
type Client struct {
	opts     Options
	origin   string       // scheme://host:port of the endpoint, the only place the token goes
	noFollow *http.Client // redirects returned to the caller (metadata HEAD)
	follow   *http.Client // redirects followed, Authorization stripped off-origin (content GET)
}

// New returns a Client for o, with defaults filled in for empty fields.
func New(o Options) *Client {
	o.Endpoint = strings.TrimRight(o.Endpoint, "/")
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	if o.CacheDir == "" {
		o.CacheDir = OptionsFromEnv(nil).CacheDir
	}
	if o.UserAgent == "" {
		o.UserAgent = "hftrain-hub; go/" + runtime.Version()
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	base := o.HTTPClient
	if base == nil {
		// A server that accepts a request and never answers must not hang a run (the final
		// push waits on it): replies must start within ResponseHeaderTimeout, which counts from
		// the end of the request body, so long uploads are not cut.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = o.ResponseHeaderTimeout
		if tr.ResponseHeaderTimeout <= 0 {
			tr.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
		}
		base = &http.Client{Transport: tr}
	}
	c := &Client{opts: o, origin: originOf(o.Endpoint)}
	nf := *base
	nf.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.noFollow = &nf
	f := *base
	f.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errTooManyRedirects
		}
		// net/http keeps Authorization for the same host on another port; the token must
		// stay on the endpoint's exact origin.
		if originOfURL(req.URL) != c.origin {
			req.Header.Del("Authorization")
		}
		return nil
	}
	c.follow = &f
	return c
}

// CacheDir returns the cache root the client reads and writes.
func (c *Client) CacheDir() string { return c.opts.CacheDir }

// originOf returns scheme://host:port with the default port made explicit, or "" if s does
// not parse.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return originOfURL(u)
}

func originOfURL(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
