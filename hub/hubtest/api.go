package hubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// timeFormat is how the Hub writes dates in JSON.
const timeFormat = "2006-01-02T15:04:05.000Z"

// serveAPI dispatches /api/...; segs starts after "api".
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, segs []string) {
	if len(segs) == 1 && segs[0] == "whoami-v2" {
		s.serveWhoami(w, r)
		return
	}
	switch {
	case len(segs) == 2 && segs[0] == "repos" && segs[1] == "create":
		s.serveCreateRepo(w, r)
		return
	case len(segs) == 1 && segs[0] == "validate-yaml":
		s.serveValidateYAML(w, r)
		return
	case len(segs) == 1 && segs[0] == "complete_multipart":
		s.serveCompleteMultipart(w, r)
		return
	case len(segs) >= 4 && (segs[0] == "models" || segs[0] == "datasets") && (segs[3] == "preupload" || segs[3] == "commit"):
		s.serveWrite(w, r, strings.TrimSuffix(segs[0], "s"), segs[1], segs[2], segs[3], segs[4:])
		return
	}
	if len(segs) < 3 || (segs[0] != "models" && segs[0] != "datasets") {
		writeError(w, http.StatusNotFound, "", "Not Found: /api/"+strings.Join(segs, "/"), "")
		return
	}
	repoType := strings.TrimSuffix(segs[0], "s")
	rest := segs[3:]
	method := http.MethodGet
	action := "info"
	if len(rest) > 0 {
		action = rest[0]
		rest = rest[1:]
	}
	if action == "parquet" {
		s.serveParquet(w, r, repoType, segs[1], segs[2], rest)
		return
	}
	switch action {
	case "info", "revision", "tree", "refs":
	case "paths-info":
		method = http.MethodPost
	default:
		writeError(w, http.StatusNotFound, "", "Not Found: /api/"+strings.Join(segs, "/"), "")
		return
	}
	if r.Method != method {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	rp := s.lookup(w, r, repoType, segs[1], segs[2], false)
	if rp == nil {
		return
	}
	if action == "refs" {
		s.serveRefs(w, r, rp)
		return
	}
	if action == "info" {
		rest = []string{"main"}
	}
	s.mu.Lock()
	rev, sub, ok := splitRevision(rp, rest)
	var c *commit
	if ok {
		c = rp.resolve(rev)
	}
	s.mu.Unlock()
	switch {
	case !ok || rev == "":
		writeError(w, http.StatusBadRequest, "", "Invalid revision in path", "")
	case c == nil:
		writeError(w, http.StatusNotFound, codeRevisionNotFound, "Invalid rev id: "+rev, "")
	case action == "info" || action == "revision":
		if len(sub) > 0 { // /revision/{rev} takes the whole remainder as the revision
			writeError(w, http.StatusNotFound, codeRevisionNotFound, "Invalid rev id: "+strings.Join(append([]string{rev}, sub...), "/"), "")
			return
		}
		s.serveInfo(w, r, rp, c)
	case action == "tree":
		s.serveTree(w, r, rp, c, rev, strings.Trim(strings.Join(sub, "/"), "/"))
	default:
		s.servePathsInfo(w, r, c)
	}
}

// sibling is one entry of repo info's siblings.
type sibling struct {
	RFilename string   `json:"rfilename"`
	BlobID    string   `json:"blobId,omitempty"`
	Size      *int64   `json:"size,omitempty"`
	LFS       *infoLFS `json:"lfs,omitempty"`
}

// infoLFS is the lfs object of a sibling (blobs=true).
type infoLFS struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	PointerSize int    `json:"pointerSize"`
}

// serveInfo answers repo info at commit c.
func (s *Server) serveInfo(w http.ResponseWriter, r *http.Request, rp *repo, c *commit) {
	blobs := parseBool(r.URL.Query().Get("blobs"))
	siblings := []sibling{}
	for _, p := range c.sortedPaths() {
		sb := sibling{RFilename: p}
		if blobs {
			b := c.files[p]
			size := b.size()
			sb.BlobID, sb.Size = b.blobID, &size
			if b.lfs != nil {
				sb.LFS = &infoLFS{SHA256: b.lfs.OID, Size: b.lfs.Size, PointerSize: b.lfs.PointerSize}
			}
		}
		siblings = append(siblings, sb)
	}
	var gated any = false
	if rp.opts.Gated {
		gated = "manual"
	}
	author, _, _ := strings.Cut(rp.id, "/")
	info := map[string]any{
		"_id":          rp.objectID,
		"id":           rp.id,
		"author":       author,
		"sha":          c.id,
		"private":      rp.opts.Private,
		"gated":        gated,
		"disabled":     false,
		"downloads":    0,
		"likes":        0,
		"tags":         []string{},
		"createdAt":    rp.created.Format(timeFormat),
		"lastModified": c.when.Format(timeFormat),
		"siblings":     siblings,
	}
	if rp.typ == "model" {
		info["modelId"] = rp.id
	}
	writeJSON(w, info)
}

// treeEntry is one entry of a tree listing or paths-info answer.
type treeEntry struct {
	Type               string        `json:"type"`
	OID                string        `json:"oid"`
	Size               int64         `json:"size"`
	Path               string        `json:"path"`
	LFS                *lfsInfo      `json:"lfs,omitempty"`
	LastCommit         *lastCommit   `json:"lastCommit,omitempty"`
	SecurityFileStatus *securityScan `json:"securityFileStatus,omitempty"`
}

// lastCommit is the expand=true lastCommit field.
type lastCommit struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
}

// securityScan is the expand=true securityFileStatus field: always safe.
type securityScan struct {
	Status           string  `json:"status"`
	AVScan           avScan  `json:"avScan"`
	PickleImportScan *string `json:"pickleImportScan"`
}

// avScan is the antivirus part of securityScan.
type avScan struct {
	VirusFound bool      `json:"virusFound"`
	VirusNames *[]string `json:"virusNames"`
}

// entry describes path p of c (a file or a directory); expand adds the
// last commit and scan status of files.
func entry(c *commit, p string, expand bool) treeEntry {
	b, isFile := c.files[p]
	if !isFile {
		return treeEntry{Type: "directory", OID: c.treeIDs[p], Size: 0, Path: p}
	}
	e := treeEntry{Type: "file", OID: b.blobID, Size: b.size(), Path: p, LFS: b.lfs}
	if expand {
		lc := c.lastCommit(p)
		e.LastCommit = &lastCommit{ID: lc.id, Title: lc.title, Date: lc.when.Format(timeFormat)}
		e.SecurityFileStatus = &securityScan{Status: "safe"}
	}
	return e
}

// serveTree answers a tree listing of dir at c, paginated by Link headers.
func (s *Server) serveTree(w http.ResponseWriter, r *http.Request, rp *repo, c *commit, rev, dir string) {
	q := r.URL.Query()
	recursive := parseBool(q.Get("recursive"))
	expand := parseBool(q.Get("expand"))
	if dir != "" && !c.isDir(dir) {
		writeError(w, http.StatusNotFound, codeEntryNotFound, fmt.Sprintf("Entry not found: %s", dir), c.id)
		return
	}
	paths := c.listing(dir, recursive)
	cursor := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > len(paths) {
			writeError(w, http.StatusBadRequest, "", "Invalid cursor: "+v, "")
			return
		}
		cursor = n
	}
	s.mu.Lock()
	pageSize := s.pageSize
	s.mu.Unlock()
	end := min(cursor+pageSize, len(paths))
	out := make([]treeEntry, 0, end-cursor)
	for _, p := range paths[cursor:end] {
		out = append(out, entry(c, p, expand))
	}
	if end < len(paths) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", strconv.Itoa(end))
		w.Header().Set("Link", fmt.Sprintf("<%s%s?%s>; rel=\"next\"", s.URL, r.URL.EscapedPath(), next.Encode()))
	}
	writeJSON(w, out)
}

// servePathsInfo answers POST paths-info with a form body (Python) or a JSON
// body (JS); paths that do not exist are left out.
func (s *Server) servePathsInfo(w http.ResponseWriter, r *http.Request, c *commit) {
	var paths []string
	var expand bool
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var body struct {
			Paths  []string `json:"paths"`
			Expand any      `json:"expand"`
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err == nil {
			err = json.Unmarshal(data, &body)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
			return
		}
		paths = body.Paths
		expand = parseBool(fmt.Sprint(body.Expand))
	} else {
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, "", "Invalid form body: "+err.Error(), "")
			return
		}
		paths = r.PostForm["paths"]
		expand = parseBool(r.PostForm.Get("expand"))
	}
	out := []treeEntry{}
	for _, p := range paths {
		p = strings.Trim(p, "/")
		if _, isFile := c.files[p]; isFile || (p != "" && c.isDir(p)) {
			out = append(out, entry(c, p, expand))
		}
	}
	writeJSON(w, out)
}

// ref is one entry of the refs answer.
type ref struct {
	Name         string `json:"name"`
	Ref          string `json:"ref"`
	TargetCommit string `json:"targetCommit"`
}

// serveRefs answers GET /api/{type}s/{id}/refs[?include_prs=1].
func (s *Server) serveRefs(w http.ResponseWriter, r *http.Request, rp *repo) {
	s.mu.Lock()
	branches, converts, prs, tags := []ref{}, []ref{}, []ref{}, []ref{}
	for _, name := range sortedKeys(rp.branches) {
		id := rp.branches[name]
		switch {
		case strings.HasPrefix(name, "refs/convert/"):
			converts = append(converts, ref{strings.TrimPrefix(name, "refs/convert/"), name, id})
		case strings.HasPrefix(name, "refs/pr/"):
			prs = append(prs, ref{strings.TrimPrefix(name, "refs/pr/"), name, id})
		default:
			branches = append(branches, ref{name, "refs/heads/" + name, id})
		}
	}
	for _, name := range sortedKeys(rp.tags) {
		tags = append(tags, ref{name, "refs/tags/" + name, rp.tags[name]})
	}
	s.mu.Unlock()
	out := map[string]any{"branches": branches, "converts": converts, "tags": tags}
	if parseBool(r.URL.Query().Get("include_prs")) {
		out["pullRequests"] = prs
	}
	writeJSON(w, out)
}

// serveWhoami answers /api/whoami-v2 for a known token.
func (s *Server) serveWhoami(w http.ResponseWriter, r *http.Request) {
	token, _, ok := bearer(r)
	s.mu.Lock()
	known := ok && s.knownToken(token)
	user, writer := s.writers[token]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header", "")
		return
	}
	name, role := "hubtest-user", "read"
	if writer {
		name, role = user, "write"
	}
	writeJSON(w, map[string]any{
		"type": "user", "name": name, "fullname": "hubtest user",
		"orgs": []any{},
		"auth": map[string]any{"type": "access_token", "accessToken": map[string]any{"displayName": "hubtest", "role": role}},
	})
}

// parseBool reads the boolean query and form values the clients send.
func parseBool(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes":
		return true
	}
	return false
}
