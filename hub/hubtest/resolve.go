package hubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// serveResolve answers GET/HEAD /{repo}/resolve|raw/{revision}/{path};
// segs starts at the namespace.
func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, repoType string, segs []string) {
	rp := s.lookup(w, r, repoType, segs[0], segs[1], true)
	if rp == nil {
		return
	}
	raw := segs[2] == "raw"
	s.mu.Lock()
	rev, rest, ok := splitRevision(rp, segs[3:])
	var c *commit
	if ok {
		c = rp.resolve(rev)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, "", "Invalid percent-encoding in path", "")
		return
	}
	if c == nil {
		writeError(w, http.StatusNotFound, codeRevisionNotFound, "Invalid rev id: "+rev, "")
		return
	}
	filePath := strings.Join(rest, "/")
	b, found := c.files[filePath]
	if !found {
		writeError(w, http.StatusNotFound, codeEntryNotFound, "Entry not found", c.id)
		return
	}
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	h.Set("Access-Control-Expose-Headers", exposeHeaders)
	h.Set("X-Repo-Commit", c.id)
	h.Set("ETag", strconv.Quote(b.blobID))
	if b.lfs != nil && !raw {
		loc := s.cdnLocation(b.lfs.OID, path.Base(filePath))
		h.Set("X-Linked-Etag", strconv.Quote(b.lfs.OID))
		h.Set("X-Linked-Size", strconv.FormatInt(b.lfs.Size, 10))
		h.Set("Location", loc)
		body := "Found. Redirecting to " + loc
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusFound)
		if r.Method != http.MethodHead {
			w.Write([]byte(body))
		}
		return
	}
	content := b.data
	if b.lfs != nil {
		content = lfsPointer(b.lfs.OID, b.lfs.Size)
	}
	serveBytes(w, r, content, path.Base(filePath))
}

// cdnSignature is the signature the CDN requires in the query of an LFS
// object URL, so that only URLs handed out by the Hub work.
func cdnSignature(oid, filename string) string {
	sum := sha256.Sum256([]byte("hubtest-cdn\x00" + oid + "\x00" + filename))
	return hex.EncodeToString(sum[:8])
}

// cdnLocation is the presigned-looking CDN URL of an LFS object.
func (s *Server) cdnLocation(oid, filename string) string {
	q := url.Values{}
	q.Set("filename", filename)
	q.Set("X-Hubtest-Signature", cdnSignature(oid, filename))
	return s.CDNURL + "/lfs/" + oid + "?" + q.Encode()
}

// serveCDN answers GET/HEAD /lfs/{sha256}?filename=&X-Hubtest-Signature= on
// the CDN listener. Like a presigned object-store URL it refuses a request
// that carries Authorization, and a bad signature.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		s.serveCDNPut(w, r)
		return
	}
	oid, ok := strings.CutPrefix(r.URL.Path, "/lfs/")
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.Error(w, "hubtest cdn: not found", http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "InvalidArgument: Only one auth mechanism allowed; only the X-Hubtest-Signature query parameter is accepted", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	if q.Get("X-Hubtest-Signature") != cdnSignature(oid, q.Get("filename")) {
		http.Error(w, "AccessDenied: bad signature", http.StatusForbidden)
		return
	}
	s.mu.Lock()
	data, found := s.lfs[oid]
	s.mu.Unlock()
	if !found {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("ETag", strconv.Quote(oid))
	name := q.Get("filename")
	if name == "" {
		name = oid
	}
	serveBytes(w, r, data, name)
}

// serveBytes writes content as application/octet-stream with single-range
// support: 206 with Content-Range, 416 for an unsatisfiable range, the whole
// content for no range or a range it does not parse (several ranges included).
func serveBytes(w http.ResponseWriter, r *http.Request, content []byte, filename string) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf("inline; filename*=UTF-8''%s; filename=%q;", url.PathEscape(filename), filename))
	size := int64(len(content))
	start, end, status := parseRange(r.Header.Get("Range"), size)
	switch status {
	case http.StatusRequestedRangeNotSatisfiable:
		h.Del("Content-Type")
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		writeError(w, status, "", fmt.Sprintf("Requested range not satisfiable: %s (size %d)", r.Header.Get("Range"), size), "")
		return
	case http.StatusPartialContent:
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, size))
	}
	h.Set("Content-Length", strconv.FormatInt(end-start, 10))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(content[start:end])
	}
}

// parseRange parses a Range header against size and returns the half-open
// byte interval to send and the status (200, 206 or 416).
func parseRange(header string, size int64) (start, end int64, status int) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") || size == 0 {
		return 0, size, http.StatusOK
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, size, http.StatusOK
	}
	switch {
	case first == "" && last == "":
		return 0, size, http.StatusOK
	case first == "": // suffix: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, size, http.StatusOK
		}
		if n == 0 {
			return 0, 0, http.StatusRequestedRangeNotSatisfiable
		}
		return max(size-n, 0), size, http.StatusPartialContent
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, size, http.StatusOK
	}
	if a >= size {
		return 0, 0, http.StatusRequestedRangeNotSatisfiable
	}
	b := size - 1
	if last != "" {
		b, err = strconv.ParseInt(last, 10, 64)
		if err != nil || b < a {
			return 0, size, http.StatusOK
		}
		b = min(b, size-1)
	}
	return a, b + 1, http.StatusPartialContent
}
