package hubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parquetRef is the branch that holds the dataset viewer's Parquet conversion.
const parquetRef = "refs/convert/parquet"

// parquetListing returns the Parquet files of the conversion commit c as
// config -> split -> paths (sorted): the files {config}/{split}/{name}.parquet,
// split being the directory name (partial-{split} for a capped conversion).
func parquetListing(c *commit) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, p := range c.sortedPaths() {
		parts := strings.Split(p, "/")
		if len(parts) != 3 || !strings.HasSuffix(parts[2], ".parquet") {
			continue
		}
		if out[parts[0]] == nil {
			out[parts[0]] = map[string][]string{}
		}
		out[parts[0]][parts[1]] = append(out[parts[0]][parts[1]], p)
	}
	for _, splits := range out {
		for _, files := range splits {
			sort.Strings(files)
		}
	}
	return out
}

// serveParquet answers the Hub's Parquet listing of a dataset, computed from
// its refs/convert/parquet branch (hub-docs docs/hub/api.md):
//
//	GET /api/datasets/{id}/parquet                          {config: {split: [url, ...]}}
//	GET /api/datasets/{id}/parquet/{config}                 {split: [url, ...]}
//	GET /api/datasets/{id}/parquet/{config}/{split}         [url, ...]
//	GET /api/datasets/{id}/parquet/{config}/{split}/{n}.parquet
//	    302 to /datasets/{id}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{file}
//
// Each url is {endpoint}/api/datasets/{id}/parquet/{config}/{split}/{n}.parquet,
// n counting the split's files from 0. segs are the escaped segments after
// "parquet". A dataset without the branch gets 404 RevisionNotFound; an unknown
// config, split or n gets 404 EntryNotFound. Access is checked as for the
// other read APIs (private repos need their token).
func (s *Server) serveParquet(w http.ResponseWriter, r *http.Request, repoType, ns, name string, segs []string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "", "Method not allowed", "")
		return
	}
	if repoType != "dataset" {
		writeError(w, http.StatusNotFound, "", "Not Found: Parquet files exist for datasets only", "")
		return
	}
	rp := s.lookup(w, r, repoType, ns, name, false)
	if rp == nil {
		return
	}
	dec := make([]string, len(segs))
	for i, seg := range segs {
		d, err := url.PathUnescape(seg)
		if err != nil || d == "" {
			writeError(w, http.StatusBadRequest, "", "Invalid path segment", "")
			return
		}
		dec[i] = d
	}
	if len(dec) > 3 {
		writeError(w, http.StatusNotFound, "", "Not Found: "+r.URL.Path, "")
		return
	}
	s.mu.Lock()
	c := rp.resolve(parquetRef)
	var listing map[string]map[string][]string
	if c != nil {
		listing = parquetListing(c)
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, codeRevisionNotFound, fmt.Sprintf("Dataset %s has no Parquet conversion (no %s branch)", rp.id, parquetRef), "")
		return
	}
	s.answerParquet(w, rp.id, c.id, listing, dec)
}

// answerParquet writes the listing, or the redirect, that the decoded segments dec ask for.
func (s *Server) answerParquet(w http.ResponseWriter, id, commitID string, listing map[string]map[string][]string, dec []string) {
	urls := func(config, split string) []string {
		out := make([]string, len(listing[config][split]))
		for i := range out {
			out[i] = fmt.Sprintf("%s/api/datasets/%s/parquet/%s/%s/%d.parquet", s.URL, id, url.PathEscape(config), url.PathEscape(split), i)
		}
		return out
	}
	configURLs := func(config string) map[string][]string {
		out := map[string][]string{}
		for split := range listing[config] {
			out[split] = urls(config, split)
		}
		return out
	}
	if len(dec) == 0 {
		out := map[string]map[string][]string{}
		for config := range listing {
			out[config] = configURLs(config)
		}
		writeJSON(w, out)
		return
	}
	config := dec[0]
	if listing[config] == nil {
		writeError(w, http.StatusNotFound, codeEntryNotFound, fmt.Sprintf("Config %q not found in the Parquet conversion of %s", config, id), commitID)
		return
	}
	if len(dec) == 1 {
		writeJSON(w, configURLs(config))
		return
	}
	split := dec[1]
	files := listing[config][split]
	if files == nil {
		writeError(w, http.StatusNotFound, codeEntryNotFound, fmt.Sprintf("Split %q not found in config %q of the Parquet conversion of %s", split, config, id), commitID)
		return
	}
	if len(dec) == 2 {
		writeJSON(w, urls(config, split))
		return
	}
	n, err := strconv.Atoi(strings.TrimSuffix(dec[2], ".parquet"))
	if !strings.HasSuffix(dec[2], ".parquet") || err != nil || n < 0 || n >= len(files) || strconv.Itoa(n)+".parquet" != dec[2] {
		writeError(w, http.StatusNotFound, codeEntryNotFound, fmt.Sprintf("No Parquet file %q in %s/%s of %s", dec[2], config, split, id), commitID)
		return
	}
	file := files[n][strings.LastIndexByte(files[n], '/')+1:]
	loc := fmt.Sprintf("%s/datasets/%s/resolve/%s/%s/%s/%s", s.URL, id, url.PathEscape(parquetRef),
		url.PathEscape(config), url.PathEscape(split), url.PathEscape(file))
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}
