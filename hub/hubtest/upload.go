package hubtest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages of the write errors, as the traces show them.
const (
	msgReadOnly      = "You don't have the rights to write in this repository (read-only token)"
	msgNeedAuth      = "You must be authenticated to write in this repository"
	msgParentMoved   = "A commit has happened since. Please refresh and try again."
	msgRegularTooBig = "Your push was rejected because it contains files larger than 10 MiB. Please use https://git-lfs.github.com/ to store large files."
)

// maxRegularFile is the size from which the Hub refuses a file sent as a
// regular (base64) commit line.
const maxRegularFile = 10 << 20

// writeToken checks that the request carries a token that may write and
// returns it; otherwise it writes 401 (no or unknown token) or 403
// (read-only token) and returns false.
func (s *Server) writeToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, present, ok := bearer(r)
	s.mu.Lock()
	known := ok && s.knownToken(token)
	_, writer := s.writers[token]
	s.mu.Unlock()
	switch {
	case !present:
		writeError(w, http.StatusUnauthorized, "", msgNeedAuth, "")
	case !known:
		writeError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header", "")
	case !writer:
		writeError(w, http.StatusForbidden, "", msgReadOnly, "")
	default:
		return token, true
	}
	return "", false
}

// repoURL is the web URL of a repository.
func (s *Server) repoURL(repoType, repoID string) string {
	return s.URL + "/" + repoPathPrefix(repoType) + repoID
}

// serveCreateRepo answers POST /api/repos/create.
func (s *Server) serveCreateRepo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	token, ok := s.writeToken(w, r)
	if !ok {
		return
	}
	var req struct {
		Name         string `json:"name"`
		Organization string `json:"organization"`
		Type         string `json:"type"`
		Visibility   string `json:"visibility"`
		Private      *bool  `json:"private"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
		return
	}
	repoType := req.Type
	if repoType == "" {
		repoType = "model"
	}
	if repoType != "model" && repoType != "dataset" {
		writeError(w, http.StatusBadRequest, "", fmt.Sprintf("hubtest serves model and dataset repos, not %q", repoType), "")
		return
	}
	ns, name := req.Organization, req.Name
	if n, rest, found := strings.Cut(name, "/"); found && ns == "" {
		ns, name = n, rest
	}
	if ns == "" {
		s.mu.Lock()
		ns = s.writers[token]
		s.mu.Unlock()
	}
	repoID := ns + "/" + name
	private := req.Visibility == "private" || (req.Private != nil && *req.Private)
	opts := RepoOptions{Private: private}
	if private {
		opts.Token = token
	}
	s.mu.Lock()
	_, exists := s.repos[repoKey(repoType, repoID)]
	s.mu.Unlock()
	if exists {
		msg := fmt.Sprintf("You already created this %s repo", repoType)
		body, _ := json.Marshal(map[string]string{"error": msg, "url": s.repoURL(repoType, repoID)})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Error-Message", msg)
		w.WriteHeader(http.StatusConflict)
		w.Write(body)
		return
	}
	if err := s.CreateRepo(repoType, repoID, opts); err != nil {
		writeError(w, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	s.mu.Lock()
	objectID := s.repos[repoKey(repoType, repoID)].objectID
	s.mu.Unlock()
	writeJSON(w, map[string]string{"id": objectID, "name": repoID, "url": s.repoURL(repoType, repoID)})
}

// serveValidateYAML answers POST /api/validate-yaml (huggingface_hub calls
// it before committing a README.md) with no errors and no warnings.
func (s *Server) serveValidateYAML(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	writeJSON(w, map[string]any{"errors": []any{}, "warnings": []any{}})
}

// serveWrite answers POST /api/{type}s/{ns}/{name}/{preupload|commit}/{rev}.
func (s *Server) serveWrite(w http.ResponseWriter, r *http.Request, repoType, ns, name, action string, revSegs []string) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	rp := s.lookup(w, r, repoType, ns, name, false)
	if rp == nil {
		return
	}
	if _, ok := s.writeToken(w, r); !ok {
		return
	}
	rev, err := url.PathUnescape(strings.Join(revSegs, "/"))
	if err != nil || rev == "" {
		writeError(w, http.StatusBadRequest, "", "Invalid revision in path", "")
		return
	}
	if action == "preupload" {
		s.servePreupload(w, r, rp, rev)
		return
	}
	s.serveCommit(w, r, rp, rev, parseBool(r.URL.Query().Get("create_pr")))
}

// branchHead returns the head commit of branch rev, nil for main in a repo
// that has no commit yet; ok is false when rev is not a branch.
func branchHead(rp *repo, rev string) (head *commit, ok bool) {
	rev = strings.TrimPrefix(rev, "refs/heads/")
	if id, found := rp.branches[rev]; found {
		return rp.commits[id], true
	}
	return nil, rev == "main" && len(rp.branches) == 0
}

// servePreupload answers the preupload call: for each file, whether it
// goes to LFS, whether .gitignore ignores it, and the oid of the file
// already at that path (sha256 for LFS, git blob id otherwise).
func (s *Server) servePreupload(w http.ResponseWriter, r *http.Request, rp *repo, rev string) {
	var req struct {
		Files []struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			Sample string `json:"sample"`
		} `json:"files"`
		GitAttributes *string `json:"gitAttributes"`
		GitIgnore     *string `json:"gitIgnore"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
		return
	}
	w, flush := s.lockedWriter(w)
	defer flush()
	head, ok := branchHead(rp, rev)
	if !ok {
		writeError(w, http.StatusNotFound, codeRevisionNotFound, "Invalid rev id: "+rev, "")
		return
	}
	attrs, ignore := "", ""
	if head != nil {
		if b := head.files[".gitattributes"]; b != nil {
			attrs = string(b.data)
		}
		if b := head.files[".gitignore"]; b != nil {
			ignore = string(b.data)
		}
	}
	if req.GitAttributes != nil {
		attrs = *req.GitAttributes
	}
	if req.GitIgnore != nil {
		ignore = *req.GitIgnore
	}
	type answer struct {
		Path         string `json:"path"`
		UploadMode   string `json:"uploadMode"`
		ShouldIgnore bool   `json:"shouldIgnore"`
		OID          string `json:"oid,omitempty"`
	}
	out := make([]answer, 0, len(req.Files))
	for _, f := range req.Files {
		sample, _ := base64.StdEncoding.DecodeString(f.Sample)
		a := answer{Path: f.Path, UploadMode: "regular", ShouldIgnore: matchesAny(ignore, f.Path, "")}
		if f.Size > 0 && (f.Size >= s.threshold || matchesAny(attrs, f.Path, "filter=lfs") || looksBinary(sample)) {
			a.UploadMode = "lfs"
		}
		if head != nil {
			if b := head.files[f.Path]; b != nil {
				a.OID = b.blobID
				if b.lfs != nil {
					a.OID = b.lfs.OID
				}
			}
		}
		out = append(out, a)
	}
	writeJSON(w, map[string]any{"files": out})
}

// looksBinary reports whether a sample holds a NUL byte or is not UTF-8 (a
// rune cut by the end of the sample does not count).
func looksBinary(sample []byte) bool {
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
	}
	for i := 0; i < len(sample); {
		c, n := utf8.DecodeRune(sample[i:])
		if c == utf8.RuneError && n <= 1 {
			return utf8.FullRune(sample[i:])
		}
		i += n
	}
	return false
}

// matchesAny reports whether a line of a .gitattributes or .gitignore
// text matches p; with attr set only lines carrying attr count. Patterns
// without "/" match the base name, others the whole path; "**" matches any
// run of directories.
func matchesAny(text, p, attr string) bool {
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if attr != "" && !contains(fields[1:], attr) {
			continue
		}
		pat := strings.TrimPrefix(fields[0], "/")
		if before, _, found := strings.Cut(pat, "**"); found {
			if strings.HasPrefix(p, before) {
				return true
			}
			continue
		}
		target := p
		if !strings.Contains(pat, "/") {
			target = path.Base(p)
		}
		if ok, _ := path.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// commitLine is one line of an NDJSON commit body.
type commitLine struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// commitValue is the union of the values of the commit lines.
type commitValue struct {
	Summary      string `json:"summary"`
	Description  string `json:"description"`
	ParentCommit string `json:"parentCommit"`
	Path         string `json:"path"`
	Content      string `json:"content"`
	Encoding     string `json:"encoding"`
	Algo         string `json:"algo"`
	OID          string `json:"oid"`
	Size         *int64 `json:"size"`
}

// commitError is an error answer of the commit call.
type commitError struct {
	status int
	code   string
	msg    string
}

// serveCommit answers the NDJSON commit call: it applies the operations in
// order to the head of branch rev (or of a new refs/pr/N branch) and records
// a commit.
func (s *Server) serveCommit(w http.ResponseWriter, r *http.Request, rp *repo, rev string, createPR bool) {
	var lines []commitValue
	var keys []string
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	for sc.Scan() {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l commitLine
		var v commitValue
		if err := json.Unmarshal(raw, &l); err != nil || json.Unmarshal(l.Value, &v) != nil {
			writeError(w, http.StatusBadRequest, "", fmt.Sprintf("Invalid NDJSON line %d", len(lines)+1), "")
			return
		}
		keys, lines = append(keys, l.Key), append(lines, v)
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		writeError(w, http.StatusBadRequest, "", "Reading the commit body: "+err.Error(), "")
		return
	}
	if len(lines) == 0 || keys[0] != "header" {
		writeError(w, http.StatusBadRequest, "", "The first line of the commit body must be the header", "")
		return
	}
	if strings.TrimSpace(lines[0].Summary) == "" {
		writeError(w, http.StatusBadRequest, "", "The commit summary must not be empty", "")
		return
	}
	w, flush := s.lockedWriter(w)
	defer flush()
	head, ok := branchHead(rp, rev)
	if !ok || (createPR && head == nil) {
		writeError(w, http.StatusNotFound, codeRevisionNotFound, "Invalid rev id: "+rev, "")
		return
	}
	if p := lines[0].ParentCommit; p != "" && (head == nil || head.id != p) {
		writeError(w, http.StatusPreconditionFailed, "", msgParentMoved, "")
		return
	}
	files := map[string]*blob{}
	if head != nil {
		for p, b := range head.files {
			files[p] = b
		}
	}
	for i := 1; i < len(lines); i++ {
		if e := s.applyLine(files, keys[i], lines[i]); e != nil {
			writeError(w, e.status, e.code, e.msg, "")
			return
		}
	}
	branch := strings.TrimPrefix(rev, "refs/heads/")
	if createPR {
		branch = fmt.Sprintf("refs/pr/%d", rp.prs+1)
	}
	message := lines[0].Summary
	if d := lines[0].Description; d != "" {
		message += "\n\n" + d
	}
	when := baseTime.Add(time.Duration(s.commits+1) * time.Second)
	id, err := rp.record(branch, head, files, message, when)
	if err != nil {
		writeError(w, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	s.commits++
	out := map[string]any{
		"success":    true,
		"commitOid":  id,
		"commitUrl":  s.repoURL(rp.typ, rp.id) + "/commit/" + id,
		"hookOutput": "",
	}
	if createPR {
		rp.prs++
		out["pullRequestUrl"] = fmt.Sprintf("%s/discussions/%d", s.repoURL(rp.typ, rp.id), rp.prs)
	}
	writeJSON(w, out)
}

// applyLine applies one operation line of a commit to files. s.mu is held.
func (s *Server) applyLine(files map[string]*blob, key string, v commitValue) *commitError {
	bad := func(format string, a ...any) *commitError {
		return &commitError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
	}
	switch key {
	case "file":
		if err := checkPath(v.Path); err != nil {
			return bad("Invalid path %q", v.Path)
		}
		if v.Encoding != "base64" {
			return bad("Unsupported encoding %q for %s", v.Encoding, v.Path)
		}
		data, err := base64.StdEncoding.DecodeString(v.Content)
		if err != nil {
			return bad("Invalid base64 content for %s", v.Path)
		}
		if len(data) >= maxRegularFile {
			return bad("%s", msgRegularTooBig)
		}
		files[v.Path] = &blob{data: data, blobID: gitBlobID(data)}
	case "lfsFile":
		if err := checkPath(v.Path); err != nil {
			return bad("Invalid path %q", v.Path)
		}
		if v.Algo != "" && v.Algo != "sha256" {
			return bad("Unsupported LFS algo %q", v.Algo)
		}
		data, found := s.lfs[v.OID]
		if !found || (v.Size != nil && *v.Size != int64(len(data))) {
			return bad("Your push was rejected because an LFS pointer pointed to a file that does not exist: %s (oid %s)", v.Path, v.OID)
		}
		ptr := lfsPointer(v.OID, int64(len(data)))
		files[v.Path] = &blob{data: data, blobID: gitBlobID(ptr),
			lfs: &lfsInfo{OID: v.OID, Size: int64(len(data)), PointerSize: len(ptr)}}
	case "deletedFile":
		if _, found := files[v.Path]; !found {
			return &commitError{status: http.StatusNotFound, code: codeEntryNotFound, msg: "A file with this name doesn't exist: " + v.Path}
		}
		delete(files, v.Path)
	case "deletedFolder":
		prefix := strings.TrimSuffix(v.Path, "/") + "/"
		n := 0
		for p := range files {
			if strings.HasPrefix(p, prefix) || prefix == "/" {
				delete(files, p)
				n++
			}
		}
		if n == 0 {
			return &commitError{status: http.StatusNotFound, code: codeEntryNotFound, msg: "A folder with this name doesn't exist: " + v.Path}
		}
	default:
		return bad("Unknown commit line key %q", key)
	}
	return nil
}

// lockedWriter takes s.mu and returns a writer that buffers the answer;
// flush releases s.mu and only then sends the answer, since the request log
// takes s.mu when the status is written.
func (s *Server) lockedWriter(w http.ResponseWriter) (http.ResponseWriter, func()) {
	rec := httptest.NewRecorder()
	s.mu.Lock()
	return rec, func() {
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}
}
