package hubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// blob is one file of a commit.
type blob struct {
	data   []byte // the real content (for LFS files too)
	blobID string // git blob sha1 of what git stores: the content or the LFS pointer
	lfs    *lfsInfo
}

// lfsInfo describes the LFS object of a file.
type lfsInfo struct {
	OID         string `json:"oid"`
	Size        int64  `json:"size"`
	PointerSize int    `json:"pointerSize"`
}

// size is the real size of the file.
func (b *blob) size() int64 { return int64(len(b.data)) }

// commit is one commit of a repository.
type commit struct {
	id      string
	parent  *commit
	title   string
	when    time.Time
	files   map[string]*blob
	treeIDs map[string]string // directory ("" = root) -> git tree id
}

// repo is one repository with its refs and commits.
type repo struct {
	typ      string // "model" or "dataset"
	id       string
	opts     RepoOptions
	created  time.Time
	objectID string // the 24-hex "_id" of repo info
	prs      int    // pull requests opened so far (refs/pr/N)
	branches map[string]string
	tags     map[string]string
	commits  map[string]*commit
}

// newRepo returns an empty repository.
func newRepo(typ, id string, opts RepoOptions, created time.Time) *repo {
	sum := sha1.Sum([]byte(typ + "/" + id))
	return &repo{
		typ: typ, id: id, opts: opts, created: created,
		objectID: hex.EncodeToString(sum[:12]),
		branches: map[string]string{},
		tags:     map[string]string{},
		commits:  map[string]*commit{},
	}
}

// commit adds a commit to branch and returns its id. lfsStore receives the
// content of new LFS objects.
func (r *repo) commit(branch, message string, add map[string][]byte, deletes []string, threshold int64, when time.Time, lfsStore map[string][]byte) (string, error) {
	if branch == "" {
		branch = "main"
	}
	if r.commits[branch] != nil || isHex40(branch) {
		return "", fmt.Errorf("branch name %q looks like a commit id", branch)
	}
	var parent *commit
	if id, ok := r.branches[branch]; ok {
		parent = r.commits[id]
	} else if main, ok := r.branches["main"]; ok && !strings.HasPrefix(branch, "refs/") {
		parent = r.commits[main]
	}
	files := map[string]*blob{}
	if parent != nil {
		for p, b := range parent.files {
			files[p] = b
		}
	}
	for _, p := range deletes {
		if _, ok := files[p]; !ok {
			return "", fmt.Errorf("delete %q: no such file", p)
		}
		delete(files, p)
	}
	for p, data := range add {
		if err := checkPath(p); err != nil {
			return "", err
		}
		b := &blob{data: append([]byte(nil), data...)}
		if int64(len(data)) >= threshold {
			oid := sha256Hex(data)
			ptr := lfsPointer(oid, int64(len(data)))
			b.lfs = &lfsInfo{OID: oid, Size: int64(len(data)), PointerSize: len(ptr)}
			b.blobID = gitBlobID(ptr)
			lfsStore[oid] = b.data
		} else {
			b.blobID = gitBlobID(data)
		}
		files[p] = b
	}
	return r.record(branch, parent, files, message, when)
}

// record adds a commit with exactly files on top of parent (nil for a root
// commit), points branch at it and returns its id.
func (r *repo) record(branch string, parent *commit, files map[string]*blob, message string, when time.Time) (string, error) {
	for p := range files {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if _, clash := files[dir]; clash {
				return "", fmt.Errorf("%q is a file and a directory", dir)
			}
		}
	}
	blobIDs := make(map[string]string, len(files))
	for p, b := range files {
		blobIDs[p] = b.blobID
	}
	trees := treeIDs(blobIDs)
	parentID := ""
	if parent != nil {
		parentID = parent.id
	}
	title, _, _ := strings.Cut(message, "\n")
	c := &commit{
		id:      commitID(trees[""], parentID, when, message),
		parent:  parent,
		title:   title,
		when:    when,
		files:   files,
		treeIDs: trees,
	}
	r.commits[c.id] = c
	r.branches[branch] = c.id
	return c.id, nil
}

// checkPath refuses paths git or the Hub would refuse.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." || p == "." {
		return fmt.Errorf("bad file path %q", p)
	}
	return nil
}

// isHex40 reports whether s is a full commit id.
func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// resolve returns the commit a revision names: HEAD (main), a branch, a tag,
// refs/heads/x, refs/tags/x, a full commit id or an unambiguous prefix of at
// least 7 hex digits. It returns nil when nothing matches.
func (r *repo) resolve(rev string) *commit {
	if rev == "HEAD" {
		rev = "main"
	}
	if id, ok := r.branches[rev]; ok {
		return r.commits[id]
	}
	if id, ok := r.tags[rev]; ok {
		return r.commits[id]
	}
	if name, ok := strings.CutPrefix(rev, "refs/heads/"); ok {
		if id, ok := r.branches[name]; ok {
			return r.commits[id]
		}
	}
	if name, ok := strings.CutPrefix(rev, "refs/tags/"); ok {
		if id, ok := r.tags[name]; ok {
			return r.commits[id]
		}
	}
	if c, ok := r.commits[rev]; ok {
		return c
	}
	if len(rev) >= 7 && len(rev) < 40 {
		if _, err := hex.DecodeString(rev + strings.Repeat("0", len(rev)%2)); err == nil {
			var found *commit
			for id, c := range r.commits {
				if strings.HasPrefix(id, rev) {
					if found != nil {
						return nil // ambiguous
					}
					found = c
				}
			}
			return found
		}
	}
	return nil
}

// lastCommit returns the most recent commit, from c back, that changed p
// (a file or a directory).
func (c *commit) lastCommit(p string) *commit {
	cur := c
	for cur.parent != nil {
		if cur.objectID(p) != cur.parent.objectID(p) {
			return cur
		}
		cur = cur.parent
	}
	return cur
}

// objectID returns the git id of the file or directory p in c, or "".
func (c *commit) objectID(p string) string {
	if b, ok := c.files[p]; ok {
		return b.blobID
	}
	return c.treeIDs[p]
}

// isDir reports whether p is a directory of c (the root is "").
func (c *commit) isDir(p string) bool {
	_, ok := c.treeIDs[p]
	return ok
}

// sortedPaths returns the file paths of c in order.
func (c *commit) sortedPaths() []string {
	return sortedKeys(c.files)
}

// listing returns the paths under dir (files and directories), sorted: the
// direct children only, or everything below when recursive.
func (c *commit) listing(dir string, recursive bool) []string {
	seen := map[string]bool{}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	for p := range c.files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := strings.TrimPrefix(p, prefix)
		parts := strings.Split(rest, "/")
		if !recursive {
			seen[prefix+parts[0]] = true
			continue
		}
		for i := range parts {
			seen[prefix+strings.Join(parts[:i+1], "/")] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
