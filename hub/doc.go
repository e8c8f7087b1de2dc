// Package hub downloads files and snapshots of Hugging Face Hub repositories into the on-disk
// cache that Python's huggingface_hub uses, so that hftrain and Python share one cache.
//
// The cache layout under the cache root (HF_HUB_CACHE) is huggingface_hub's:
//
//	models--org--name/                 (datasets--org--name for datasets)
//	  blobs/<etag>                     content, named by ETag (sha256 for LFS files, git blob sha1 otherwise)
//	  blobs/<etag>.<8hex>.incomplete   a download in progress (one name per process)
//	  snapshots/<commit>/<path>        relative symlink to ../../blobs/<etag>
//	  refs/<revision>                  the commit a branch or tag resolved to
//	  .no_exist/<commit>/<path>        empty file: path known to be missing at that commit
//	.locks/models--org--name/<etag>.lock   flock lock, the same file Python's filelock takes
//
// A Client makes every request with the caller's context, sends the token only to the
// endpoint's origin (scheme, host and port), retries 429, 5xx and dropped connections with
// backoff (resuming with Range), and in offline mode makes no request at all.
package hub
