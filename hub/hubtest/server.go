package hubtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultLFSThreshold is the size from which a committed file is stored as an
// LFS object, as the Hub refuses regular files of 10 MiB or more.
const DefaultLFSThreshold = 10 << 20

// DefaultMultipartChunkSize is the part size of multipart LFS uploads: an
// object larger than this is uploaded in parts (as the traces show, 5 MiB).
const DefaultMultipartChunkSize = 5 << 20

// DefaultTreePageSize is the number of entries per page of a tree listing.
const DefaultTreePageSize = 1000

// baseTime is the time of the first commit; each commit is one second later,
// so that commit ids are the same on every run.
var baseTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// RepoOptions describes who may read a repository.
type RepoOptions struct {
	// Private repositories answer as missing (RepoNotFound) unless the
	// request carries Token.
	Private bool
	// Gated repositories list their files to anyone but serve them only to
	// Token: no token gives 401 GatedRepo, another known token 403 GatedRepo.
	Gated bool
	// Token is the bearer token allowed to read a private or gated repo.
	// Every token given to any repo (or to AddToken) is a known token;
	// an unknown token gets 401 "Invalid credentials in Authorization header"
	// everywhere, as on the Hub.
	Token string
}

// Request is one request seen by the server.
type Request struct {
	// Listener is "hub" or "cdn".
	Listener string
	// Method is the HTTP method.
	Method string
	// Path is the path as sent, percent-encoding kept.
	Path string
	// Query is the raw query string.
	Query string
	// Header is a copy of the request headers (Authorization included).
	Header http.Header
	// HasAuth reports whether an Authorization header was present.
	HasAuth bool
	// Status is the status code answered (0 when the connection was dropped
	// before a status was written).
	Status int
	// Dropped reports whether a Fault cut the connection mid-body.
	Dropped bool
}

// Server is a Hub for tests. Its methods are safe for concurrent use.
type Server struct {
	// URL is the Hub endpoint, e.g. http://127.0.0.1:PORT (use it as HF_ENDPOINT).
	URL string
	// CDNURL is the separate listener that LFS downloads are redirected to.
	CDNURL string

	tb      testing.TB
	hub     *http.Server
	cdn     *http.Server
	closeMu sync.Once

	mu        sync.Mutex
	repos     map[string]*repo  // key: repoKey(type, id)
	renamed   map[string]string // old key -> new id
	tokens    map[string]bool
	writers   map[string]string // write token -> user name
	uploads   map[string]*multipartUpload
	chunkSize int64
	lfs       map[string][]byte // sha256 -> content
	threshold int64
	pageSize  int
	commits   int // commits made so far, for the clock
	faults    []*Fault
	requests  []Request
	reqGen    int // bumped by ResetRequests, so a late update never lands on a newer entry
	nextReqID int
}

// New starts a Server and closes it when the test ends. Misuse of the
// helper methods (an unknown repo, a bad revision) fails the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := NewServer()
	if err != nil {
		t.Fatalf("hubtest: %v", err)
	}
	s.tb = t
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("hubtest: close: %v", err)
		}
	})
	return s
}

// NewServer starts a Server outside a test; call Close when done. Misuse of
// the helper methods that do not return an error (AddRepo, Commit, Tag)
// panics on such a server: use CommitFiles and TagRevision to get errors.
func NewServer() (*Server, error) {
	s := &Server{
		repos:     map[string]*repo{},
		renamed:   map[string]string{},
		tokens:    map[string]bool{},
		writers:   map[string]string{},
		uploads:   map[string]*multipartUpload{},
		chunkSize: DefaultMultipartChunkSize,
		lfs:       map[string][]byte{},
		threshold: DefaultLFSThreshold,
		pageSize:  DefaultTreePageSize,
	}
	hubLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("hubtest: listen hub: %w", err)
	}
	cdnLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		hubLn.Close()
		return nil, fmt.Errorf("hubtest: listen cdn: %w", err)
	}
	s.URL = "http://" + hubLn.Addr().String()
	s.CDNURL = "http://" + cdnLn.Addr().String()
	s.hub = &http.Server{Handler: s.wrap("hub", http.HandlerFunc(s.serveHub)), ReadHeaderTimeout: 10 * time.Second}
	s.cdn = &http.Server{Handler: s.wrap("cdn", http.HandlerFunc(s.serveCDN)), ReadHeaderTimeout: 10 * time.Second}
	go s.hub.Serve(hubLn)
	go s.cdn.Serve(cdnLn)
	return s, nil
}

// Close stops both listeners and closes open connections.
func (s *Server) Close() error {
	var err error
	s.closeMu.Do(func() {
		err = errors.Join(s.hub.Close(), s.cdn.Close())
	})
	if err != nil {
		return fmt.Errorf("hubtest: close: %w", err)
	}
	return nil
}

// fail reports misuse of a helper method.
func (s *Server) fail(err error) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf("%v", err)
	}
	panic(err)
}

// SetLFSThreshold sets the size from which committed files are stored as LFS
// (default DefaultLFSThreshold); it applies to later commits.
func (s *Server) SetLFSThreshold(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.threshold = n
}

// SetTreePageSize sets the number of entries per page of tree listings
// (default DefaultTreePageSize); smaller pages exercise Link pagination.
func (s *Server) SetTreePageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 {
		n = 1
	}
	s.pageSize = n
}

// AddToken makes token a known token that can read every public repo.
func (s *Server) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = true
}

// AddWriteToken makes token a known token of user that may create repos
// (under any namespace) and write to every repo it can read (the public
// ones, and the private ones it created or was given). Other known tokens
// are read-only: writes with them get 403.
func (s *Server) AddWriteToken(token, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = true
	s.writers[token] = user
}

// SetMultipartChunkSize sets the part size of multipart LFS uploads (default
// DefaultMultipartChunkSize): the LFS batch API answers with a multipart
// transfer for objects larger than n, a basic one for the others.
func (s *Server) SetMultipartChunkSize(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 {
		n = 1
	}
	s.chunkSize = n
}

// LFSObject returns a copy of the stored LFS object with the given sha256
// oid, whether committed or only uploaded, and whether it exists.
func (s *Server) LFSObject(oid string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.lfs[oid]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), data...), true
}

// AddRepo creates an empty repository (no commit, no branch: its first
// Commit creates the branch). repoType is "model" or "dataset"; repoID is
// "namespace/name".
func (s *Server) AddRepo(repoType, repoID string, opts RepoOptions) {
	if err := s.CreateRepo(repoType, repoID, opts); err != nil {
		s.fail(err)
	}
}

// CreateRepo is AddRepo returning an error instead of failing.
func (s *Server) CreateRepo(repoType, repoID string, opts RepoOptions) error {
	if repoType != "model" && repoType != "dataset" {
		return fmt.Errorf("hubtest: repo type %q: want model or dataset", repoType)
	}
	if ns, name, ok := strings.Cut(repoID, "/"); !ok || ns == "" || name == "" || strings.Contains(name, "/") || strings.Contains(repoID, "--") {
		return fmt.Errorf("hubtest: repo id %q: want namespace/name without --", repoID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := repoKey(repoType, repoID)
	if _, ok := s.repos[key]; ok {
		return fmt.Errorf("hubtest: %s %s already exists", repoType, repoID)
	}
	s.repos[key] = newRepo(repoType, repoID, opts, baseTime.Add(time.Duration(len(s.repos))*time.Millisecond))
	if opts.Token != "" {
		s.tokens[opts.Token] = true
	}
	return nil
}

// Rename moves a repository to newID; requests for the old id then get a
// relative 307 redirect to the same path under the new id.
func (s *Server) Rename(repoType, oldID, newID string) {
	if err := s.RenameRepo(repoType, oldID, newID); err != nil {
		s.fail(err)
	}
}

// RenameRepo is Rename returning an error instead of failing.
func (s *Server) RenameRepo(repoType, oldID, newID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[repoKey(repoType, oldID)]
	if !ok {
		return fmt.Errorf("hubtest: rename: no %s %s", repoType, oldID)
	}
	if _, taken := s.repos[repoKey(repoType, newID)]; taken {
		return fmt.Errorf("hubtest: rename: %s %s already exists", repoType, newID)
	}
	delete(s.repos, repoKey(repoType, oldID))
	r.id = newID
	s.repos[repoKey(repoType, newID)] = r
	s.renamed[repoKey(repoType, oldID)] = newID
	return nil
}

// Commit records a commit on branch (created if missing) that adds or
// replaces files and removes the paths in deletes, and returns its 40-hex id.
// A new branch starts from main's head, except refs/... branches such as
// refs/convert/parquet, which start empty.
func (s *Server) Commit(repoType, repoID, branch, message string, files map[string][]byte, deletes ...string) (commitSHA string) {
	id, err := s.CommitFiles(repoType, repoID, branch, message, files, deletes...)
	if err != nil {
		s.fail(err)
	}
	return id
}

// CommitFiles is Commit returning an error instead of failing.
func (s *Server) CommitFiles(repoType, repoID, branch, message string, files map[string][]byte, deletes ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[repoKey(repoType, repoID)]
	if !ok {
		return "", fmt.Errorf("hubtest: commit: no %s %s", repoType, repoID)
	}
	when := baseTime.Add(time.Duration(s.commits+1) * time.Second)
	id, err := r.commit(branch, message, files, deletes, s.threshold, when, s.lfs)
	if err != nil {
		return "", fmt.Errorf("hubtest: commit to %s %s@%s: %w", repoType, repoID, branch, err)
	}
	s.commits++
	return id, nil
}

// Tag points tag at revision (a branch, tag or commit).
func (s *Server) Tag(repoType, repoID, tag, revision string) {
	if err := s.TagRevision(repoType, repoID, tag, revision); err != nil {
		s.fail(err)
	}
}

// TagRevision is Tag returning an error instead of failing.
func (s *Server) TagRevision(repoType, repoID, tag, revision string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[repoKey(repoType, repoID)]
	if !ok {
		return fmt.Errorf("hubtest: tag: no %s %s", repoType, repoID)
	}
	c := r.resolve(revision)
	if c == nil {
		return fmt.Errorf("hubtest: tag %s: no revision %q in %s %s", tag, revision, repoType, repoID)
	}
	r.tags[tag] = c.id
	return nil
}

// Requests returns a copy of the log of requests seen so far, both listeners.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.reqGen++
}

// repoKey is the map key of a repository.
func repoKey(repoType, repoID string) string { return repoType + "s/" + repoID }

// knownToken reports whether token was given to a repo or to AddToken.
func (s *Server) knownToken(token string) bool { return s.tokens[token] }

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
