#!/usr/bin/env bash
# make release: writes dist/release/, a copy of the library's YAML (tasks, pipelines, triggers, install) with
# every container image pinned to the digest its tag points at now (image-lifecycle pin-images, through the
# library's own OCI client). Push the step images first (make images, then push them); an image missing
# from its registry fails the release and nothing is written.
#
# Environment (optional): RELEASE_DIR (default dist/release), DOCKER_CONFIG for registry credentials.
# Extra arguments go to pin-images, e.g. --dry-run or --insecure-registry HOST.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${RELEASE_DIR:-dist/release}
paths=()
for p in tasks pipelines triggers install; do
  [ -e "$p" ] && paths+=(--path "$p")
done
rm -rf "$out"
node --import tsx steps/cli.ts pin-images "${paths[@]}" --output-dir "$out" "$@"
if [ -d "$out" ]; then
  echo "release: pinned copy in $out; install it with: kubectl apply -k $out/install" >&2
fi
