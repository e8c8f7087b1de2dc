// Package hubtest runs an in-process Hugging Face Hub for tests.
//
// The server listens on 127.0.0.1 only, on two ports: the Hub itself
// (Server.URL) and a separate "CDN" listener (Server.CDNURL) that LFS
// downloads are redirected to, the way the real Hub redirects to a presigned
// object-store URL on another host. Repositories keep a real git-like history
// in memory: commit ids are the sha1 of a git commit object, file ids are git
// blob sha1s, and files of at least the LFS threshold are stored as LFS
// objects (sha256 oid, pointer file in the tree).
//
// The answers follow the traces of the official clients (huggingface_hub and
// @huggingface/hub) recorded against a Hub emulator: header names and values
// (X-Repo-Commit, ETag, X-Linked-Etag, X-Linked-Size, Location,
// Content-Range) and the error conventions (status, X-Error-Code,
// X-Error-Message and a JSON {"error": ...} body).
//
// This slice serves downloads and the read APIs:
//
//	GET|HEAD /{repo_id}/resolve/{revision}/{path}        (and /raw/, and /datasets/{repo_id}/...)
//	GET      /api/{models|datasets}/{repo_id}[/revision/{revision}]
//	GET      /api/{models|datasets}/{repo_id}/tree/{revision}[/{path}]
//	POST     /api/{models|datasets}/{repo_id}/paths-info/{revision}
//	GET      /api/{models|datasets}/{repo_id}/refs
//	GET      /api/datasets/{repo_id}/parquet[/{config}[/{split}[/{n}.parquet]]]  (from refs/convert/parquet)
//	GET      /api/whoami-v2
//
// Uploads, as huggingface_hub and @huggingface/hub send them (a token
// given to AddWriteToken may write; other known tokens get 403 read-only):
//
//	POST /api/repos/create                                    (409 when it exists)
//	POST /api/{models|datasets}/{repo_id}/preupload/{branch}  (uploadMode lfs|regular, shouldIgnore, oid)
//	POST /{repo_id}.git/info/lfs/objects/batch                 (and /datasets/{repo_id}.git/...; verify too)
//	PUT  {CDNURL}/put/{oid} and {CDNURL}/part/{uploadId}/{n}  (presigned, no Authorization, ETag answered)
//	POST /api/complete_multipart?uploadId=...                 (multipart completion)
//	POST /api/{models|datasets}/{repo_id}/commit/{branch}     (NDJSON; ?create_pr=1 opens refs/pr/N)
//	POST /api/validate-yaml
//
// A file goes to LFS (preupload answer) when it is at least the LFS
// threshold, matches a filter=lfs line of .gitattributes, or its sample
// looks binary. LFS objects larger than the multipart chunk size
// (SetMultipartChunkSize) get a multipart transfer; objects already stored
// get no actions. A commit whose parentCommit is not the branch head gets
// 412. Commits made through the API are real commits of the same history
// as those of Commit.
package hubtest
