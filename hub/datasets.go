package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// parquetRevision is the branch of the dataset viewer's Parquet conversion.
const parquetRevision = "refs/convert/parquet"

// DatasetFiles is one config of a Hub dataset, its data files downloaded into the cache.
type DatasetFiles struct {
	RepoID, Revision, Commit string // Commit pins the files (the refs/convert/parquet commit when Converted)
	Config                   string
	Converted                bool           // files come from the refs/convert/parquet conversion
	Format                   string         // "parquet", "arrow", "json" or "csv": the datasets builder of the files
	Splits                   []DatasetSplit // train, validation, test, then the others alphabetically
}

// Split returns the split called name.
func (d *DatasetFiles) Split(name string) (DatasetSplit, bool) {
	for _, s := range d.Splits {
		if s.Name == name {
			return s, true
		}
	}
	return DatasetSplit{}, false
}

// DatasetFiles downloads the data files of config (empty: the default config) of the Hub
// dataset repoID at revision (default "main") into the huggingface_hub cache, finding them
// as datasets.load_dataset does (see ResolveDataFiles), and returns their local paths under
// snapshots/<commit>/.
//
// A dataset with a loading script ({name}.py at the root), or without data files hftrain
// can read (only .txt, .tar, images, ...), is read from its Parquet conversion instead: the
// refs/convert/parquet branch, pinned to that branch's commit, laid out as
// {config}/{split}/NNNN.parquet ({config}/partial-{split}/ for a capped conversion); its
// config defaults to "default". The conversion follows the dataset's main branch whatever
// revision is asked for, as in datasets.
//
// In offline mode (HF_HUB_OFFLINE) the revision is resolved through the cache's refs/ and
// the snapshot folder is listed instead of the repository: a config fetched online once can
// be read again offline.
func (c *Client) DatasetFiles(ctx context.Context, repoID, revision, config string) (*DatasetFiles, error) {
	r, err := newRepoRef("dataset", repoID)
	if err != nil {
		return nil, err
	}
	if revision == "" {
		revision = "main"
	}
	if err := checkRevision(revision); err != nil {
		return nil, err
	}
	rc := repoCache{root: c.opts.CacheDir, repo: r}
	if c.opts.Offline {
		return c.cachedDatasetFiles(rc, revision, config, "HF_HUB_OFFLINE is set")
	}
	info, err := c.repoInfo(ctx, r, revision)
	if err != nil {
		var he *Error
		if errors.As(err, &he) && (he.Kind == ErrRevisionNotFound || he.Kind == ErrEntryNotFound) || ctx.Err() != nil {
			return nil, err
		}
		// The Hub cannot be reached (or refuses): the cache may still answer, as in Snapshot.
		if d, cerr := c.cachedDatasetFiles(rc, revision, config, "the Hub could not be reached"); cerr == nil {
			return d, nil
		}
		return nil, err
	}
	if err := ensureRoot(c.opts.CacheDir); err != nil {
		return nil, err
	}
	if err := rc.writeRef(revision, info.SHA); err != nil {
		return nil, err
	}
	files, readme, err := c.repoFilesAndCard(ctx, r, revision, info)
	if err != nil {
		return nil, err
	}
	// The snapshot folder exists even when nothing of the revision is downloaded, so that
	// offline mode can tell "nothing there" from "never fetched".
	if err := os.MkdirAll(rc.snapshot(info.SHA), 0o777); err != nil {
		return nil, fmt.Errorf("hub: snapshot dir: %w", err)
	}
	var why error
	if script := path.Base(r.id) + ".py"; slices.Contains(files, script) {
		why = fmt.Errorf("%w: it has a loading script %s, which hftrain does not run (nor does datasets ≥ 4)", ErrUnsupportedFormat, script)
	} else {
		df, err := ResolveDataFiles(files, readme, config)
		switch {
		case err == nil:
			return c.downloadDataFiles(ctx, r, revision, info.SHA, df, false)
		case !errors.Is(err, ErrNoDataFiles) && !errors.Is(err, ErrUnsupportedFormat):
			return nil, fmt.Errorf("hub: dataset %s@%s: %w", r.id, revision, err)
		}
		why = err
	}
	return c.convertedDatasetFiles(ctx, r, revision, config, why)
}

// repoFilesAndCard returns the file list of info and the content of its README.md (nil
// when there is none), downloaded into the cache.
func (c *Client) repoFilesAndCard(ctx context.Context, r repoRef, revision string, info *repoInfo) ([]string, []byte, error) {
	files := make([]string, 0, len(info.Siblings))
	for _, s := range info.Siblings {
		if err := checkRepoPath(s.RFilename); err != nil {
			return nil, nil, fmt.Errorf("hub: dataset %s@%s: %w", r.id, revision, err)
		}
		files = append(files, s.RFilename)
	}
	if !slices.Contains(files, "README.md") {
		return files, nil, nil
	}
	p, err := c.Download(ctx, r.typ, r.id, info.SHA, "README.md")
	if err != nil {
		return nil, nil, err
	}
	readme, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, fmt.Errorf("hub: dataset %s: %w", r.id, err)
	}
	return files, readme, nil
}

// convertedDatasetFiles reads config from the refs/convert/parquet branch; why is the reason
// the repository's own files could not be used, reported when there is no conversion.
func (c *Client) convertedDatasetFiles(ctx context.Context, r repoRef, revision, config string, why error) (*DatasetFiles, error) {
	info, err := c.repoInfo(ctx, r, parquetRevision)
	if err != nil {
		var he *Error
		if errors.As(err, &he) && he.Kind == ErrRevisionNotFound {
			return nil, fmt.Errorf("hub: dataset %s@%s: %w; and it has no Parquet conversion (%s)", r.id, revision, why, parquetRevision)
		}
		return nil, err
	}
	rc := repoCache{root: c.opts.CacheDir, repo: r}
	if err := rc.writeRef(parquetRevision, info.SHA); err != nil {
		return nil, err
	}
	files := make([]string, 0, len(info.Siblings))
	for _, s := range info.Siblings {
		files = append(files, s.RFilename)
	}
	df, err := convertedSplits(files, config)
	if err != nil {
		return nil, fmt.Errorf("hub: dataset %s@%s (Parquet conversion): %w", r.id, parquetRevision, err)
	}
	return c.downloadDataFiles(ctx, r, revision, info.SHA, df, true)
}

// downloadDataFiles downloads every file of df at commit and returns their snapshot paths.
func (c *Client) downloadDataFiles(ctx context.Context, r repoRef, revision, commit string, df *DataFiles, converted bool) (*DatasetFiles, error) {
	out := &DatasetFiles{RepoID: r.id, Revision: revision, Commit: commit, Config: df.Config, Converted: converted, Format: df.Format}
	for _, s := range df.Splits {
		local := DatasetSplit{Name: s.Name, Partial: s.Partial, Files: make([]string, 0, len(s.Files))}
		for _, f := range s.Files {
			if err := checkRepoPath(f); err != nil {
				return nil, fmt.Errorf("hub: dataset %s: %w", r.id, err)
			}
			p, err := c.Download(ctx, r.typ, r.id, commit, f)
			if err != nil {
				return nil, err
			}
			local.Files = append(local.Files, p)
		}
		out.Splits = append(out.Splits, local)
	}
	return out, nil
}

// convertedSplits picks config out of the files of a refs/convert/parquet commit:
// {config}/{split}/*.parquet, or {config}/partial-{split}/*.parquet when the conversion
// was capped (a full split directory wins over a partial one of the same name). An empty
// config means "default", else the only config there is.
func convertedSplits(files []string, config string) (*DataFiles, error) {
	type dir struct {
		files   []string
		partial bool
	}
	layout := map[string]map[string]*dir{}
	for _, f := range files {
		parts := strings.Split(f, "/")
		if len(parts) != 3 || !strings.HasSuffix(parts[2], ".parquet") {
			continue
		}
		split, partial := parts[1], false
		if s, ok := strings.CutPrefix(split, "partial-"); ok {
			split, partial = s, true
		}
		if layout[parts[0]] == nil {
			layout[parts[0]] = map[string]*dir{}
		}
		d := layout[parts[0]][split]
		switch {
		case d == nil:
			d = &dir{partial: partial}
			layout[parts[0]][split] = d
		case d.partial && !partial:
			*d = dir{partial: false}
		case !d.partial && partial:
			continue
		}
		d.files = append(d.files, f)
	}
	configs := make([]string, 0, len(layout))
	for name := range layout {
		configs = append(configs, name)
	}
	sort.Strings(configs)
	if len(configs) == 0 {
		return nil, fmt.Errorf("%w: the conversion holds no {config}/{split}/*.parquet file", ErrNoDataFiles)
	}
	if config == "" {
		switch {
		case layout["default"] != nil:
			config = "default"
		case len(configs) == 1:
			config = configs[0]
		default:
			return nil, fmt.Errorf("%w: no config named and none is \"default\"; pick one of: %s", ErrConfigNotFound, strings.Join(configs, ", "))
		}
	}
	splits := layout[config]
	if splits == nil {
		return nil, fmt.Errorf("%w: %q; available configs: %s", ErrConfigNotFound, config, strings.Join(configs, ", "))
	}
	names := make([]string, 0, len(splits))
	for name := range splits {
		names = append(names, name)
	}
	df := &DataFiles{Config: config, Configs: configs, Format: "parquet"}
	for _, name := range orderSplits(names) {
		d := splits[name]
		sort.Strings(d.files)
		df.Splits = append(df.Splits, DatasetSplit{Name: name, Files: d.files, Partial: d.partial})
	}
	return df, nil
}

// cachedDatasetFiles answers DatasetFiles from the cache alone: the revision's snapshot
// folder stands for the repository's file list, then the cached refs/convert/parquet
// snapshot is tried the same way.
func (c *Client) cachedDatasetFiles(rc repoCache, revision, config, why string) (*DatasetFiles, error) {
	fail := func(rev, msg string) error {
		return &Error{Kind: ErrOffline, RepoType: rc.repo.typ, RepoID: rc.repo.id, Revision: rev, Message: why + " and " + msg}
	}
	commit, err := rc.resolveCommit(revision)
	if err != nil {
		return nil, err
	}
	if commit == "" {
		return nil, fail(revision, fmt.Sprintf("%s has no refs/%s: load the dataset once online", rc.dir(), revision))
	}
	files, err := listSnapshotFiles(rc.snapshot(commit))
	if err != nil {
		return nil, fail(revision, fmt.Sprintf("snapshot %s is not cached (%v)", rc.snapshot(commit), err))
	}
	var readme []byte
	if slices.Contains(files, "README.md") {
		if readme, err = os.ReadFile(filepath.Join(rc.snapshot(commit), "README.md")); err != nil {
			return nil, fmt.Errorf("hub: dataset %s: %w", rc.repo.id, err)
		}
	}
	df, rerr := ResolveDataFiles(files, readme, config)
	if rerr == nil {
		return localDataFiles(rc, revision, commit, df, false), nil
	}
	pcommit, err := rc.readRef(parquetRevision)
	if err != nil {
		return nil, err
	}
	if pcommit == "" {
		return nil, fail(revision, fmt.Sprintf("the cached snapshot %s does not hold the data files of config %q: %v", rc.snapshot(commit), config, rerr))
	}
	pfiles, err := listSnapshotFiles(rc.snapshot(pcommit))
	if err != nil {
		return nil, fail(parquetRevision, fmt.Sprintf("snapshot %s is not cached (%v)", rc.snapshot(pcommit), err))
	}
	if df, err = convertedSplits(pfiles, config); err != nil {
		return nil, fail(parquetRevision, fmt.Sprintf("neither snapshot %s (%v) nor the cached Parquet conversion %s (%v) holds config %q",
			rc.snapshot(commit), rerr, rc.snapshot(pcommit), err, config))
	}
	return localDataFiles(rc, revision, pcommit, df, true), nil
}

// localDataFiles turns the repository paths of df into snapshot paths.
func localDataFiles(rc repoCache, revision, commit string, df *DataFiles, converted bool) *DatasetFiles {
	out := &DatasetFiles{RepoID: rc.repo.id, Revision: revision, Commit: commit, Config: df.Config, Converted: converted, Format: df.Format}
	for _, s := range df.Splits {
		local := DatasetSplit{Name: s.Name, Partial: s.Partial}
		for _, f := range s.Files {
			local.Files = append(local.Files, rc.pointer(commit, f))
		}
		out.Splits = append(out.Splits, local)
	}
	return out
}

// listSnapshotFiles lists the files of a snapshot folder (symlinks whose blob is present, or
// plain files) as repository paths.
func listSnapshotFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasSuffix(d.Name(), ".tmplink") {
			return nil // a link being made (or left by a killed process), not a repo file
		}
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return nil // a dangling link: its blob was removed
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParquetURLs lists the Parquet conversion of a dataset through the Hub's
// GET /api/datasets/{id}/parquet[/{config}]: config -> split -> URLs of the form
// {endpoint}/api/datasets/{id}/parquet/{config}/{split}/{n}.parquet, which redirect to the
// files of refs/convert/parquet. With config set, the map holds that config only. A split
// of a capped conversion may be keyed partial-{split}.
func (c *Client) ParquetURLs(ctx context.Context, repoID, config string) (map[string]map[string][]string, error) {
	r, err := newRepoRef("dataset", repoID)
	if err != nil {
		return nil, err
	}
	if c.opts.Offline {
		return nil, &Error{Kind: ErrOffline, RepoType: r.typ, RepoID: r.id, Revision: parquetRevision, Message: "HF_HUB_OFFLINE is set and the Parquet listing is not cached"}
	}
	u := c.apiURL(r, "parquet")
	if config != "" {
		u += "/" + url.PathEscape(config)
	}
	resp, err := c.do(ctx, c.follow, c.opts.MaxRetries, func() (*http.Request, error) { return c.newRequest(ctx, http.MethodGet, u) })
	if err != nil {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: parquetRevision, Message: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errorFromResponse(r, parquetRevision, "", resp, readErrorBody(resp))
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 64<<20))
	out := map[string]map[string][]string{}
	if config == "" {
		err = dec.Decode(&out)
	} else {
		var splits map[string][]string
		err = dec.Decode(&splits)
		out[config] = splits
	}
	if err != nil {
		return nil, &Error{Kind: ErrHTTP, RepoType: r.typ, RepoID: r.id, Revision: parquetRevision, Status: resp.StatusCode, Message: "parquet listing: " + err.Error()}
	}
	return out, nil
}
