// Package hub downloads files and snapshots of Hugging Face Hub repositories into the on-disk
// cache that Python's huggingface_hub uses, so that hftrain and Python share one cache, finds a
// dataset repo's data files per config and split as datasets.load_dataset does (DatasetFiles,
// ResolveDataFiles, the refs/convert/parquet conversion), pushes to the Hub as
// huggingface_hub's HfApi does (CreateRepo, CreateCommit, UploadFolder, WhoAmI), and keeps the
// token file where huggingface_hub keeps it (TokenPath, SaveToken).
//
// It is its own package, importing nothing else of hftrain, because the Hub protocol and the
// cache layout are a contract with other tools rather than part of training.
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
//
// A commit is the Hub's sequence: preupload (the server says which files go to LFS), the Git
// LFS batch API (basic PUT, or multipart PUTs of the parts and a completion POST, to
// presigned URLs that never get the token), then the NDJSON commit call. Each file is read
// once for its size, sample and sha256, and LFS content is streamed from disk. Preupload,
// the batch call and the transfers are retried on 429 and 5xx; repository creation and the
// commit itself are not, as they are not idempotent.
package hub
