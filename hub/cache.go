package hub

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// cacheDirTag marks the cache root as a cache directory (https://bford.info/cachedir/), as
// huggingface_hub does.
const cacheDirTag = "Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created by hftrain (huggingface_hub layout).\n" +
	"# For information about cache directory tags, see: https://bford.info/cachedir/\n"

// repoRef is a validated repository: its type, id, URL prefix and cache folder name.
type repoRef struct {
	typ    string // "model" or "dataset"
	id     string // namespace/name or name
	folder string // models--ns--name
}

// newRepoRef validates repoType and repoID the way huggingface_hub does (no "--", no "..",
// at most one "/") so that the cache folder name cannot escape the cache root.
func newRepoRef(repoType, repoID string) (repoRef, error) {
	if repoType == "" {
		repoType = "model"
	}
	if repoType != "model" && repoType != "dataset" {
		return repoRef{}, fmt.Errorf("hub: repo type %q: want model or dataset", repoType)
	}
	parts := strings.Split(repoID, "/")
	bad := repoID == "" || len(parts) > 2 || strings.Contains(repoID, "--") || strings.Contains(repoID, "..")
	for _, p := range parts {
		if p == "" || p == "." || strings.ContainsAny(p, "\\\x00") || strings.HasPrefix(p, "-") {
			bad = true
		}
	}
	if bad {
		return repoRef{}, fmt.Errorf("hub: invalid repo id %q", repoID)
	}
	return repoRef{typ: repoType, id: repoID, folder: repoType + "s--" + strings.Join(parts, "--")}, nil
}

// urlPrefix is the path prefix of the repo's file URLs: "" for models, "datasets/" for datasets.
func (r repoRef) urlPrefix() string {
	if r.typ == "model" {
		return ""
	}
	return r.typ + "s/"
}

// checkRepoPath refuses a file path that is empty, absolute, or has "..", "." or empty
// segments: such a name would escape snapshots/<commit>/ or alias another file.
func checkRepoPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || filepath.IsAbs(p) {
		return fmt.Errorf("hub: unsafe file path %q", p)
	}
	for _, s := range strings.Split(p, "/") {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("hub: unsafe file path %q", p)
		}
	}
	return nil
}

// checkRevision refuses a revision that would escape refs/ (it is stored as refs/<revision>).
func checkRevision(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "/") || strings.ContainsAny(rev, "\\\x00") {
		return fmt.Errorf("hub: invalid revision %q", rev)
	}
	for _, s := range strings.Split(rev, "/") {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("hub: invalid revision %q", rev)
		}
	}
	return nil
}

// checkName refuses a server-sent commit or etag that is not a plain file name.
func checkName(kind, s string) error {
	if s == "" || s == "." || s == ".." || len(s) > 128 {
		return fmt.Errorf("hub: server sent an unusable %s %q", kind, s)
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("hub: server sent an unusable %s %q", kind, s)
		}
	}
	return nil
}

// isCommit reports whether rev is a full 40-hex commit hash.
func isCommit(rev string) bool {
	if len(rev) != 40 {
		return false
	}
	for _, r := range rev {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// isSHA256 reports whether etag is 64 lowercase hex digits: the etag of an LFS file.
func isSHA256(etag string) bool {
	if len(etag) != 64 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil && strings.ToLower(etag) == etag
}

// repoCache is the cache folder of one repository.
type repoCache struct {
	root string // cache root
	repo repoRef
}

func (c repoCache) dir() string             { return filepath.Join(c.root, c.repo.folder) }
func (c repoCache) blob(etag string) string { return filepath.Join(c.dir(), "blobs", etag) }
func (c repoCache) ref(rev string) string {
	return filepath.Join(c.dir(), "refs", filepath.FromSlash(rev))
}
func (c repoCache) snapshot(commit string) string {
	return filepath.Join(c.dir(), "snapshots", commit)
}
func (c repoCache) pointer(commit, path string) string {
	return filepath.Join(c.snapshot(commit), filepath.FromSlash(path))
}
func (c repoCache) noExist(commit, path string) string {
	return filepath.Join(c.dir(), ".no_exist", commit, filepath.FromSlash(path))
}
func (c repoCache) lockFile(etag string) string {
	return filepath.Join(c.root, ".locks", c.repo.folder, etag+".lock")
}

// incomplete returns a per-call temporary name for a blob being downloaded:
// blobs/<etag>.<8hex>.incomplete, as huggingface_hub ≥ 1.18 names it.
func (c repoCache) incomplete(etag string) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hub: temp name: %w", err)
	}
	return c.blob(etag) + "." + hex.EncodeToString(b[:]) + ".incomplete", nil
}

// readRef returns the commit stored in refs/<rev>, or "" if there is none.
func (c repoCache) readRef(rev string) (string, error) {
	b, err := os.ReadFile(c.ref(rev))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("hub: read ref: %w", err)
	}
	commit := strings.TrimSpace(string(b))
	if err := checkName("commit", commit); err != nil {
		return "", fmt.Errorf("hub: %s: %w", c.ref(rev), err)
	}
	return commit, nil
}

// writeRef stores commit in refs/<rev> atomically, with no newline (as Python writes it).
// Nothing is written when rev is the commit itself.
func (c repoCache) writeRef(rev, commit string) error {
	if rev == commit {
		return nil
	}
	if old, err := c.readRef(rev); err == nil && old == commit {
		return nil
	}
	return writeFileAtomic(c.ref(rev), []byte(commit), 0o644, 0o777)
}

// resolveCommit maps rev to a commit using only the cache: a full hash is itself, anything
// else goes through refs/<rev>. It returns "" when the cache does not know rev.
func (c repoCache) resolveCommit(rev string) (string, error) {
	if isCommit(rev) {
		return rev, nil
	}
	return c.readRef(rev)
}

// lookup is try_to_load_from_cache: the snapshot path of path at rev if it is cached,
// known-missing (.no_exist) as a second result, or neither.
func (c repoCache) lookup(rev, path string) (found string, knownMissing bool, commit string, err error) {
	commit, err = c.resolveCommit(rev)
	if err != nil || commit == "" {
		return "", false, commit, err
	}
	if _, err := os.Stat(c.pointer(commit, path)); err == nil {
		return c.pointer(commit, path), false, commit, nil
	}
	if _, err := os.Lstat(c.noExist(commit, path)); err == nil {
		return "", true, commit, nil
	}
	return "", false, commit, nil
}

// markMissing creates the empty .no_exist/<commit>/<path> file.
func (c repoCache) markMissing(commit, path string) error {
	p := c.noExist(commit, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return fmt.Errorf("hub: .no_exist: %w", err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return fmt.Errorf("hub: .no_exist: %w", err)
	}
	return f.Close()
}

// link makes snapshots/<commit>/<path> a relative symlink to blobs/<etag>
// (../../blobs/<etag>, one more ../ per directory level of path), replacing what was there.
func (c repoCache) link(commit, path, etag string) (string, error) {
	ptr := c.pointer(commit, path)
	if err := os.MkdirAll(filepath.Dir(ptr), 0o777); err != nil {
		return "", fmt.Errorf("hub: snapshot dir: %w", err)
	}
	target, err := filepath.Rel(filepath.Dir(ptr), c.blob(etag))
	if err != nil {
		return "", fmt.Errorf("hub: symlink target: %w", err)
	}
	if cur, err := os.Readlink(ptr); err == nil && cur == target {
		return ptr, nil
	}
	// Each caller (two processes may link the same file at once) makes its own temporary link
	// and renames it over ptr; the last rename wins and both leave the same link.
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	tmp := fmt.Sprintf("%s.%x.tmplink", ptr, rnd)
	if err := os.Symlink(target, tmp); err != nil {
		return "", fmt.Errorf("hub: symlink %s: %w", ptr, err)
	}
	if err := os.Rename(tmp, ptr); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("hub: symlink %s: %w", ptr, err)
	}
	return ptr, nil
}

// ensureRoot creates the cache root and its CACHEDIR.TAG if missing.
func ensureRoot(root string) error {
	if err := os.MkdirAll(root, 0o777); err != nil {
		return fmt.Errorf("hub: cache dir: %w", err)
	}
	tag := filepath.Join(root, "CACHEDIR.TAG")
	if _, err := os.Stat(tag); err == nil {
		return nil
	}
	// Another process may write it at the same time; the content is identical.
	return writeFileAtomic(tag, []byte(cacheDirTag), 0o644, 0o777)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it, gives it perm and renames
// it into place, creating missing folders with dirPerm.
func writeFileAtomic(path string, data []byte, perm, dirPerm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return fmt.Errorf("hub: %s: %w", path, err)
	}
	// CreateTemp makes the file 0600, so nothing is readable by others before the chmod.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("hub: %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), perm)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("hub: %s: %w", path, werr)
	}
	return nil
}
