# hftrain — build, demo, test, bench.
#
# The default build links OpenBLAS through cgo (build tag `openblas`); `make deps` installs Debian's
# libopenblas-dev where it is missing. Plain `go build ./...` (no tags) still works everywhere: pure
# Go BLAS, several times slower, and hftrain says so when it starts.

GO        ?= go
TAGS      ?= openblas
BIN       := bin/hftrain
GOFLAGS_B := -tags $(TAGS)
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test bench bench-allreduce parity deps deps-bench vet fmt clean

all: build

## deps: install the C libraries the build links (OpenBLAS), if missing.
deps:
	@if [ "$(TAGS)" = openblas ] && ! [ -e /usr/include/x86_64-linux-gnu/cblas.h -o -e /usr/include/cblas.h -o -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ]; then \
		echo "installing libopenblas-dev (OpenBLAS for the BLAS-backed build)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libopenblas-dev; \
	fi

## deps-bench: PyTorch (Debian python3-torch) for the reference side of `make bench`.
deps-bench: deps
	@if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then \
		echo "installing python3-torch (the PyTorch reference for make bench)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-torch; \
	fi

## build: bin/hftrain
build: deps
	$(GO) build $(GOFLAGS_B) -o $(BIN) ./cmd/hftrain

## demo: fine-tune the embedded default (a small BERT on SpamAssassin spam vs ham), no network.
demo: build
	$(BIN) --config configs/demo.yaml

## test: vet and test everything (with OpenBLAS), and check the pure-Go build still compiles.
test: deps
	$(GO) vet ./...
	$(GO) vet $(GOFLAGS_B) ./...
	$(GO) build ./...
	$(GO) test $(GOFLAGS_B) -count=1 -timeout 30m ./...
	# The concurrent parts (downloads, background pushes, the CLI's Hub workflow) under the race detector.
	$(GO) test -race -count=1 -timeout 15m ./hub/... ./trainer/hubpush ./trainer/checkpoint ./distributed/...
	$(GO) test -race -count=1 -timeout 15m -run 'Hub|Push|Login' ./cmd/hftrain

## bench: hftrain vs PyTorch on the same BERT-mini training step, ratios printed; then bench-allreduce.
bench: build deps-bench
	./scripts/bench/bench.sh
	$(MAKE) --no-print-directory bench-allreduce

## bench-allreduce: ring all-reduce of 2 local processes vs PyTorch gloo and raw loopback TCP, for
## 1, 16, 64, 256 MiB (flags in ALLREDUCE_FLAGS, e.g. ALLREDUCE_FLAGS='-sizes 64 -iters 40';
## ring tuning from HFTRAIN_RING_CHANNELS and HFTRAIN_RING_CHUNK_KB).
bench-allreduce: deps-bench
	$(GO) build -o bin/allreduce-bench ./cmd/allreduce-bench
	bin/allreduce-bench $(ALLREDUCE_FLAGS)

## parity: folders hftrain writes load in the PyTorch reference (strict) and give the same logits.
parity: build deps-bench
	./scripts/parity/roundtrip.sh

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
