package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// lfsPointer returns the text of the git-lfs pointer file for content with
// the given sha256 oid and size.
func lfsPointer(oid string, size int64) []byte {
	return fmt.Appendf(nil, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", oid, size)
}

// gitHash returns the sha1 of a git object of the given kind and content.
func gitHash(kind string, content []byte) [20]byte {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(content))
	h.Write(content)
	var sum [20]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// gitBlobID returns the git blob id (hex sha1) of content.
func gitBlobID(content []byte) string {
	sum := gitHash("blob", content)
	return hex.EncodeToString(sum[:])
}

// sha256Hex returns the hex sha256 of content.
func sha256Hex(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// treeIDs computes the git tree id of every directory of files (the root
// is the empty path). files maps a path to its git blob id.
func treeIDs(files map[string]string) map[string]string {
	type entry struct {
		name  string
		isDir bool
	}
	children := map[string]map[string]entry{"": {}}
	for p := range files {
		parts := strings.Split(p, "/")
		dir := ""
		for i, part := range parts {
			if children[dir] == nil {
				children[dir] = map[string]entry{}
			}
			isDir := i < len(parts)-1
			children[dir][part] = entry{name: part, isDir: isDir}
			if isDir {
				dir = joinPath(dir, part)
			}
		}
	}
	ids := map[string]string{}
	var build func(dir string) string
	build = func(dir string) string {
		if id, ok := ids[dir]; ok {
			return id
		}
		names := make([]entry, 0, len(children[dir]))
		for _, e := range children[dir] {
			names = append(names, e)
		}
		// git sorts tree entries by name, a directory as if it ended in "/".
		sortKey := func(e entry) string {
			if e.isDir {
				return e.name + "/"
			}
			return e.name
		}
		sort.Slice(names, func(i, j int) bool { return sortKey(names[i]) < sortKey(names[j]) })
		var buf []byte
		for _, e := range names {
			full := joinPath(dir, e.name)
			var raw []byte
			mode := "100644"
			if e.isDir {
				mode = "40000"
				raw, _ = hex.DecodeString(build(full))
			} else {
				raw, _ = hex.DecodeString(files[full])
			}
			buf = append(buf, mode+" "+e.name+"\x00"...)
			buf = append(buf, raw...)
		}
		sum := gitHash("tree", buf)
		id := hex.EncodeToString(sum[:])
		ids[dir] = id
		return id
	}
	for dir := range children {
		build(dir)
	}
	return ids
}

// commitID returns the id of a git commit object with the given tree,
// parent (empty for a root commit), time and message.
func commitID(tree, parent string, when time.Time, message string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", tree)
	if parent != "" {
		fmt.Fprintf(&b, "parent %s\n", parent)
	}
	stamp := fmt.Sprintf("%d +0000", when.Unix())
	fmt.Fprintf(&b, "author hubtest <hubtest@127.0.0.1> %s\n", stamp)
	fmt.Fprintf(&b, "committer hubtest <hubtest@127.0.0.1> %s\n", stamp)
	fmt.Fprintf(&b, "\n%s\n", message)
	sum := gitHash("commit", []byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// joinPath joins a directory and a name with "/", the root being "".
func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
