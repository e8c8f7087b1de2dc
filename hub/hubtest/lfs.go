package hubtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// lfsContentType is the media type of the Git LFS batch API.
const lfsContentType = "application/vnd.git-lfs+json"

// multipartUpload is an LFS object being uploaded in parts.
type multipartUpload struct {
	oid   string
	size  int64
	chunk int64
	parts []partData // index i is part i+1
}

// partData is one uploaded part and the ETag answered for it.
type partData struct {
	data []byte
	etag string
}

// partCount returns the number of parts of the upload.
func (u *multipartUpload) partCount() int { return len(u.parts) }

// partSize returns the size part n (1-based) must have.
func (u *multipartUpload) partSize(n int) int64 {
	if n < u.partCount() {
		return u.chunk
	}
	return u.size - int64(u.partCount()-1)*u.chunk
}

// lfsAction is an action of the batch answer.
type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

// lfsObject is one object of the batch answer.
type lfsObject struct {
	OID           string               `json:"oid"`
	Size          int64                `json:"size"`
	Authenticated bool                 `json:"authenticated,omitempty"`
	Actions       map[string]lfsAction `json:"actions,omitempty"`
	Error         *lfsError            `json:"error,omitempty"`
}

// lfsError is the per-object error of the batch answer.
type lfsError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// serveLFS answers POST /{repo}.git/info/lfs/objects/{batch|verify}.
func (s *Server) serveLFS(w http.ResponseWriter, r *http.Request, repoType, ns, name, action string) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	if action != "batch" && action != "verify" {
		writeError(w, http.StatusNotFound, "", "Not Found: "+r.URL.Path, "")
		return
	}
	rp := s.lookup(w, r, repoType, ns, name, false)
	if rp == nil {
		return
	}
	if action == "verify" {
		s.serveVerify(w, r)
		return
	}
	var req struct {
		Operation string   `json:"operation"`
		Transfers []string `json:"transfers"`
		Objects   []struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		} `json:"objects"`
		HashAlgo string `json:"hash_algo"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
		return
	}
	if req.HashAlgo != "" && req.HashAlgo != "sha256" && req.HashAlgo != "sha_256" {
		writeError(w, http.StatusBadRequest, "", "Unsupported hash algorithm "+req.HashAlgo, "")
		return
	}
	if req.Operation != "upload" && req.Operation != "download" {
		writeError(w, http.StatusBadRequest, "", fmt.Sprintf("Unsupported operation %q", req.Operation), "")
		return
	}
	if req.Operation == "upload" {
		if _, ok := s.writeToken(w, r); !ok {
			return
		}
	}
	multipartOK := contains(req.Transfers, "multipart")
	verify := lfsAction{Href: s.URL + "/" + repoPathPrefix(rp.typ) + rp.id + ".git/info/lfs/objects/verify", Header: map[string]string{}}
	transfer := "basic"
	out := make([]lfsObject, 0, len(req.Objects))
	s.mu.Lock()
	for _, o := range req.Objects {
		obj := lfsObject{OID: o.OID, Size: o.Size, Authenticated: true}
		data, stored := s.lfs[o.OID]
		switch {
		case !isSHA256(o.OID) || o.Size < 0:
			obj.Error = &lfsError{Code: http.StatusUnprocessableEntity, Message: "Invalid object: oid must be 64 lowercase hex digits and size not negative"}
		case req.Operation == "download" && !stored:
			obj.Error = &lfsError{Code: http.StatusNotFound, Message: "Object does not exist"}
		case req.Operation == "download":
			obj.Actions = map[string]lfsAction{"download": {Href: s.cdnLocation(o.OID, o.OID), Header: map[string]string{}}}
		case stored && int64(len(data)) == o.Size:
			// already stored: no actions, nothing to upload
		case multipartOK && o.Size > s.chunkSize:
			transfer = "multipart"
			obj.Actions = map[string]lfsAction{"upload": s.startMultipart(o.OID, o.Size), "verify": verify}
		default:
			put := s.CDNURL + "/put/" + o.OID + "?X-Hubtest-Signature=" + cdnSignature(o.OID, "put")
			obj.Actions = map[string]lfsAction{"upload": {Href: put, Header: map[string]string{}}, "verify": verify}
		}
		out = append(out, obj)
	}
	s.mu.Unlock()
	body, err := json.Marshal(map[string]any{"transfer": transfer, "objects": out, "hash_algo": "sha256"})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "", "hubtest: encode answer: "+err.Error(), "")
		return
	}
	w.Header().Set("Content-Type", lfsContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// startMultipart registers a multipart upload and returns its upload action:
// chunk_size and one presigned part URL per part in the header, the
// completion URL as href. s.mu is held.
func (s *Server) startMultipart(oid string, size int64) lfsAction {
	id := fmt.Sprintf("%s-%d", oid[:16], len(s.uploads)+1)
	u := &multipartUpload{oid: oid, size: size, chunk: s.chunkSize}
	n := int((size + s.chunkSize - 1) / s.chunkSize)
	u.parts = make([]partData, n)
	s.uploads[id] = u
	header := map[string]string{"chunk_size": strconv.FormatInt(s.chunkSize, 10)}
	for i := 1; i <= n; i++ {
		header[fmt.Sprintf("%05d", i)] = fmt.Sprintf("%s/part/%s/%d?X-Hubtest-Signature=%s", s.CDNURL, id, i, cdnSignature(id, strconv.Itoa(i)))
	}
	q := url.Values{}
	q.Set("uploadId", id)
	q.Set("X-Hubtest-Signature", cdnSignature(id, "complete"))
	return lfsAction{Href: s.URL + "/api/complete_multipart?" + q.Encode(), Header: header}
}

// serveVerify answers the verify action: 200 when the object is stored with
// the given size, 404 otherwise.
func (s *Server) serveVerify(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.writeToken(w, r); !ok {
		return
	}
	var req struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
		return
	}
	s.mu.Lock()
	data, ok := s.lfs[req.OID]
	s.mu.Unlock()
	if !ok || int64(len(data)) != req.Size {
		writeError(w, http.StatusNotFound, "", "Object not found: "+req.OID, "")
		return
	}
	writeJSON(w, map[string]any{"success": true})
}

// serveCDNPut answers the presigned PUTs on the CDN listener: /put/{oid}
// (a whole object, basic transfer) and /part/{uploadId}/{n} (one part of a
// multipart upload). Like an object store it refuses Authorization and a bad
// signature, and answers an ETag (the quoted md5 of the body).
func (s *Server) serveCDNPut(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "InvalidArgument: Only one auth mechanism allowed; only the X-Hubtest-Signature query parameter is accepted", http.StatusBadRequest)
		return
	}
	sig := r.URL.Query().Get("X-Hubtest-Signature")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "IncompleteBody: "+err.Error(), http.StatusBadRequest)
		return
	}
	sum := md5.Sum(body)
	etag := strconv.Quote(hex.EncodeToString(sum[:]))
	if oid, ok := strings.CutPrefix(r.URL.Path, "/put/"); ok {
		if sig != cdnSignature(oid, "put") {
			http.Error(w, "AccessDenied: bad signature", http.StatusForbidden)
			return
		}
		if sha256Hex(body) != oid {
			http.Error(w, "BadDigest: the sha256 of the body is not "+oid, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.lfs[oid] = body
		s.mu.Unlock()
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusOK)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/part/")
	id, num, ok2 := strings.Cut(rest, "/")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil {
		http.Error(w, "hubtest cdn: not found", http.StatusNotFound)
		return
	}
	if sig != cdnSignature(id, num) {
		http.Error(w, "AccessDenied: bad signature", http.StatusForbidden)
		return
	}
	w, flush := s.lockedWriter(w)
	defer flush()
	u := s.uploads[id]
	switch {
	case u == nil || n < 1 || n > u.partCount():
		http.Error(w, "NoSuchUpload", http.StatusNotFound)
	case int64(len(body)) != u.partSize(n):
		http.Error(w, fmt.Sprintf("InvalidPart: part %d has %d bytes, want %d", n, len(body), u.partSize(n)), http.StatusBadRequest)
	default:
		u.parts[n-1] = partData{data: body, etag: etag}
		w.Header().Set("ETag", etag)
		w.Header().Set("Access-Control-Expose-Headers", "ETag")
		w.WriteHeader(http.StatusOK)
	}
}

// serveCompleteMultipart answers POST /api/complete_multipart: the parts
// are listed in order with the ETags their PUTs answered; the object is
// stored when they add up to the announced oid.
func (s *Server) serveCompleteMultipart(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	q := r.URL.Query()
	id := q.Get("uploadId")
	if q.Get("X-Hubtest-Signature") != cdnSignature(id, "complete") {
		writeError(w, http.StatusForbidden, "", "Bad signature", "")
		return
	}
	var req struct {
		OID   string `json:"oid"`
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
		} `json:"parts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "Invalid JSON body: "+err.Error(), "")
		return
	}
	w, flush := s.lockedWriter(w)
	defer flush()
	u := s.uploads[id]
	if u == nil {
		writeError(w, http.StatusNotFound, "", "No such upload: "+id, "")
		return
	}
	if req.OID != u.oid || len(req.Parts) != u.partCount() {
		writeError(w, http.StatusBadRequest, "", fmt.Sprintf("Expected oid %s and %d parts", u.oid, u.partCount()), "")
		return
	}
	var buf bytes.Buffer
	for i, p := range req.Parts {
		part := u.parts[i]
		if p.PartNumber != i+1 || part.etag == "" || p.ETag != part.etag {
			writeError(w, http.StatusBadRequest, "", fmt.Sprintf("Part %d: wrong number or ETag, or not uploaded", i+1), "")
			return
		}
		buf.Write(part.data)
	}
	if sha256Hex(buf.Bytes()) != u.oid {
		writeError(w, http.StatusBadRequest, "", "The parts do not add up to "+u.oid, "")
		return
	}
	s.lfs[u.oid] = buf.Bytes()
	delete(s.uploads, id)
	writeJSON(w, map[string]any{"ok": true})
}

// isSHA256 reports whether s is 64 lowercase hex digits.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
