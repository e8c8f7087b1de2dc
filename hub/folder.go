package hub

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// defaultIgnore are the paths huggingface_hub's upload_folder never uploads.
var defaultIgnore = []string{
	".git", ".git/*", "*/.git", "**/.git/**",
	".cache/huggingface", ".cache/huggingface/*", "*/.cache/huggingface", "**/.cache/huggingface/**",
}

// UploadFolder commits the regular files under folder to revision (empty means "main") of
// repoID in one commit, as huggingface_hub's upload_folder does: a file is uploaded when
// its "/"-separated path relative to folder matches one of allow (fnmatch; none means all)
// and none of ignore; ".git" and ".cache/huggingface" are always left out. Symlinks to
// files are followed. An empty message means "Upload folder with hftrain". It returns the
// new commit's id. It is UploadFolderTo with the files at the root of the repository.
func (c *Client) UploadFolder(ctx context.Context, repoType, repoID, revision, folder, message string, allow, ignore []string) (string, error) {
	return c.UploadFolderTo(ctx, repoType, repoID, revision, folder, "", message, allow, ignore)
}

// UploadFolderTo is UploadFolder with the files placed under pathInRepo, a folder of the
// repository ("" or "." for its root; leading and trailing "/" are dropped), as
// huggingface_hub's upload_folder(path_in_repo=...) does. As there
// (hf_api.py _prepare_upload_folder_additions), allow and ignore match the path relative
// to folder, and the prefix is added after the filtering.
func (c *Client) UploadFolderTo(ctx context.Context, repoType, repoID, revision, folder, pathInRepo, message string, allow, ignore []string) (string, error) {
	prefix, err := folderPrefix(pathInRepo)
	if err != nil {
		return "", fmt.Errorf("hub: upload %s to %s %s: %w: %v", folder, repoType, repoID, ErrInvalid, err)
	}
	paths, err := folderFiles(folder, allow, ignore)
	if err != nil {
		return "", err
	}
	if len(paths) == 0 {
		return "", fmt.Errorf("hub: upload %s to %s %s: no files to upload: %w", folder, repoType, repoID, ErrInvalid)
	}
	ops := make([]CommitOperation, len(paths))
	for i, p := range paths {
		ops[i] = CommitOperation{PathInRepo: prefix + p, LocalPath: filepath.Join(folder, filepath.FromSlash(p))}
	}
	if message == "" {
		message = "Upload folder with hftrain"
	}
	return c.CreateCommit(ctx, repoType, repoID, revision, message, ops, "")
}

// folderPrefix turns a path_in_repo into the prefix of every uploaded path: "" for the
// root, else the cleaned folder path with one trailing "/".
func folderPrefix(pathInRepo string) (string, error) {
	p := strings.Trim(pathInRepo, "/")
	if p == "" || p == "." {
		return "", nil
	}
	if err := checkRepoPath(p); err != nil {
		return "", fmt.Errorf("path_in_repo %q: %w", pathInRepo, err)
	}
	return p + "/", nil
}

// folderFiles lists the regular files under folder (relative, "/"-separated, sorted) that
// allow and ignore select.
func folderFiles(folder string, allow, ignore []string) ([]string, error) {
	keep, err := compilePatterns(allow)
	if err != nil {
		return nil, err
	}
	var drop func(string) bool = func(string) bool { return false }
	if all := append(append([]string{}, defaultIgnore...), ignore...); len(all) > 0 {
		if drop, err = compilePatterns(all); err != nil {
			return nil, err
		}
	}
	var out []string
	err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		st, err := os.Stat(p) // follows a symlink
		if err != nil || !st.Mode().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(folder, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if keep(rel) && !drop(rel) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub: upload folder %s: %w", folder, err)
	}
	sort.Strings(out)
	return out, nil
}
