#!/usr/bin/env bash
# Builds distribution v3 (the CNCF registry) from the Go module proxy into .cache/bin, once.
# Debian's docker-registry is distribution 2.8, which neither paginates tag lists nor deletes tags;
# v3 does both, so tests exercise those paths against a real server too.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=v3.0.0
bin=.cache/bin/registry-$version
if [ -x "$bin" ]; then exit 0; fi
mkdir -p .cache/bin
echo "building distribution registry $version (once; cached in $bin)"
start=$(date +%s)
GOBIN="$PWD/.cache/gobin" GOFLAGS=-mod=mod go install "github.com/distribution/distribution/v3/cmd/registry@$version"
mv .cache/gobin/registry "$bin"
echo "built in $(( $(date +%s) - start ))s"
