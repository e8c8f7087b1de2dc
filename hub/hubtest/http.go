package hubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// exposeHeaders is the Access-Control-Expose-Headers value of the Hub.
const exposeHeaders = "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash"

// Error codes of the X-Error-Code header.
const (
	codeRepoNotFound     = "RepoNotFound"
	codeRevisionNotFound = "RevisionNotFound"
	codeEntryNotFound    = "EntryNotFound"
	codeGatedRepo        = "GatedRepo"
)

// recorder records the status of a response and whether its connection was
// dropped; it unwraps for http.ResponseController.
type recorder struct {
	http.ResponseWriter
	status  int
	dropped bool
	// update records status and dropped in the request log as soon as they are known, before
	// the client can see the response, so Requests() never lags behind what a client observed.
	update func(status int, dropped bool)
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.update(w.status, w.dropped)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.update(w.status, w.dropped)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap logs every request of a listener and applies the pending faults.
func (s *Server) wrap(listener string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.nextReqID++
		reqID := fmt.Sprintf("hubtest-%d", s.nextReqID)
		fault := s.takeFault(listener, r)
		s.mu.Unlock()

		w.Header().Set("X-Request-Id", reqID)
		logged := Request{
			Listener: listener,
			Method:   r.Method,
			Path:     r.URL.EscapedPath(),
			Query:    r.URL.RawQuery,
			Header:   r.Header.Clone(),
			HasAuth:  r.Header.Get("Authorization") != "",
		}
		s.mu.Lock()
		idx, gen := len(s.requests), s.reqGen
		s.requests = append(s.requests, logged)
		s.mu.Unlock()
		rec := &recorder{ResponseWriter: w, update: func(status int, dropped bool) {
			s.mu.Lock()
			if gen == s.reqGen && idx < len(s.requests) {
				s.requests[idx].Status, s.requests[idx].Dropped = status, dropped
			}
			s.mu.Unlock()
		}}
		var out http.ResponseWriter = rec
		switch {
		case fault != nil && fault.Status != 0:
			serveFaultStatus(rec, fault)
			out = nil
		case fault != nil:
			if fault.IgnoreRange {
				r.Header.Del("Range")
			}
			if fault.Drop {
				out = &dropWriter{recorder: rec, left: fault.DropAfter}
			}
		}
		if out != nil {
			next.ServeHTTP(out, r)
		}
		rec.update(rec.status, rec.dropped)
	})
}

// serveHub dispatches a request to the Hub listener.
func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if segs[0] == "api" {
		s.serveAPI(w, r, segs[1:])
		return
	}
	repoType := "model"
	if segs[0] == "datasets" {
		repoType = "dataset"
		segs = segs[1:]
	}
	if len(segs) == 6 && strings.HasSuffix(segs[1], ".git") && segs[2] == "info" && segs[3] == "lfs" && segs[4] == "objects" {
		s.serveLFS(w, r, repoType, segs[0], strings.TrimSuffix(segs[1], ".git"), segs[5])
		return
	}
	if len(segs) < 5 || (segs[2] != "resolve" && segs[2] != "raw") {
		writeError(w, http.StatusNotFound, "", "Not Found: "+r.URL.Path, "")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	s.serveResolve(w, r, repoType, segs)
}

// lookup finds a repository for a request and checks access. files is true
// for requests of file content (gated repos refuse them). It writes the
// error or redirect and returns nil when the request must stop.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, repoType, ns, name string, files bool) *repo {
	id, err1 := url.PathUnescape(ns)
	nm, err2 := url.PathUnescape(name)
	repoID := id + "/" + nm
	token, hasAuth, okAuth := bearer(r)
	s.mu.Lock()
	rp := s.repos[repoKey(repoType, repoID)]
	newID, renamed := s.renamed[repoKey(repoType, repoID)]
	known := okAuth && s.knownToken(token)
	s.mu.Unlock()
	if hasAuth && !known {
		writeError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header", "")
		return nil
	}
	if rp == nil && renamed && err1 == nil && err2 == nil {
		old := "/" + ns + "/" + name + "/"
		p := r.URL.EscapedPath()
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		loc := strings.Replace(p, old, "/"+newID+"/", 1)
		loc = strings.TrimSuffix(loc, "/")
		if strings.HasSuffix(r.URL.EscapedPath(), "/") {
			loc += "/"
		}
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return nil
	}
	// A private repo the token cannot read looks exactly like a missing one.
	if rp == nil || err1 != nil || err2 != nil || (rp.opts.Private && token != rp.opts.Token) {
		status := http.StatusNotFound
		if !hasAuth && files {
			status = http.StatusUnauthorized
		}
		writeError(w, status, codeRepoNotFound, "Repository not found", "")
		return nil
	}
	if files && rp.opts.Gated && token != rp.opts.Token {
		kind := rp.typ
		if !hasAuth {
			writeError(w, http.StatusUnauthorized, codeGatedRepo, fmt.Sprintf("Access to %s %s is restricted. You must have access to it and be authenticated to access it. Please log in.", kind, rp.id), "")
			return nil
		}
		writeError(w, http.StatusForbidden, codeGatedRepo, fmt.Sprintf("Access to %s %s is restricted and you are not in the authorized list. Visit %s/%s to ask for access.", kind, rp.id, s.URL, repoPathPrefix(rp.typ)+rp.id), "")
		return nil
	}
	return rp
}

// repoPathPrefix is the URL prefix of a repo type in file URLs.
func repoPathPrefix(repoType string) string {
	if repoType == "dataset" {
		return "datasets/"
	}
	return ""
}

// bearer returns the token of the Authorization header, whether the header
// was present, and whether it was a well-formed bearer token.
func bearer(r *http.Request) (token string, present, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, false
	}
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", true, false
	}
	return strings.TrimSpace(tok), true, true
}

// writeError writes a Hub error: status, X-Error-Code (when code is not
// empty), X-Error-Message and a JSON {"error": message} body, plus
// X-Repo-Commit when commit is not empty.
func writeError(w http.ResponseWriter, status int, code, message, commit string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if code != "" {
		h.Set("X-Error-Code", code)
	}
	h.Set("X-Error-Message", message)
	if commit != "" {
		h.Set("X-Repo-Commit", commit)
	}
	body, _ := json.Marshal(map[string]string{"error": message})
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// writeJSON writes v as a 200 JSON answer.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "", "hubtest: encode answer: "+err.Error(), "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// splitRevision splits the escaped segments that follow /resolve/ or /tree/
// into a revision and the rest (a path). A segment holding an encoded "/"
// (refs%2Fconvert%2Fparquet) is a revision by itself; otherwise the longest
// run of leading segments that names a revision of rp wins, so unencoded
// refs/convert/parquet works too. When none does, the first segment is the
// revision. ok is false when a segment is not valid percent-encoding.
func splitRevision(rp *repo, segs []string) (rev string, rest []string, ok bool) {
	dec := make([]string, len(segs))
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", nil, false
		}
		dec[i] = d
	}
	if len(dec) == 0 {
		return "", nil, true
	}
	if strings.Contains(dec[0], "/") {
		return dec[0], dec[1:], true
	}
	for n := len(dec); n > 1; n-- {
		cand := strings.Join(dec[:n], "/")
		if rp.resolve(cand) != nil {
			return cand, dec[n:], true
		}
	}
	return dec[0], dec[1:], true
}
