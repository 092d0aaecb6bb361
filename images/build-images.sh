#!/usr/bin/env bash
# Builds one image per step with buildah: images/build-images.sh [STEP...]; no STEP means every step of
# steps/registry.ts. Images are tagged $IMAGE_PREFIX/<step>:$VERSION.
#
# Environment (all optional):
#   IMAGE_PREFIX        default localhost/image-lifecycle
#   VERSION             default the version in package.json
#   BUILDER_IMAGE       builder stage base (default in images/Containerfile)
#   BASE_IMAGE          runtime base of every step image except build (default in images/Containerfile)
#   BUILDAH_BASE_IMAGE  buildah image under the build step (default in images/Containerfile.buildah)
#   PULL                buildah --pull policy, e.g. never to use only images already in the store
#   LAYERS              false to skip the layer cache (faster for a one-off build, slower for many steps)
#   BUILDAH_OPTS        global buildah options, default --storage-driver vfs
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${IMAGE_PREFIX:-localhost/image-lifecycle}
version=${VERSION:-$(node -p "require('./package.json').version")}
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
read -r -a buildah_opts <<< "${BUILDAH_OPTS:---storage-driver vfs}"

if [ $# -eq 0 ]; then
  read -r -a steps <<< "$(node --import tsx/esm --input-type=module \
    -e "const { steps } = await import('./steps/registry.ts'); console.log(Object.keys(steps).join(' '))")"
  set -- "${steps[@]}"
fi

bud() {
  buildah "${buildah_opts[@]}" bud --isolation chroot --layers="${LAYERS:-true}" ${PULL:+--pull="$PULL"} \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" "$@" .
}

for step in "$@"; do
  echo "building $prefix/$step:$version" >&2
  args=(--build-arg STEP="$step")
  [ -n "${BUILDER_IMAGE:-}" ] && args+=(--build-arg BUILDER_IMAGE="$BUILDER_IMAGE")
  base=${BASE_IMAGE:-}
  if [ "$step" = build ]; then
    # The build step drives buildah: its runtime base is buildah plus Node, made by Containerfile.buildah.
    base="$prefix/buildah-node:$version"
    bud -f images/Containerfile.buildah ${BUILDAH_BASE_IMAGE:+--build-arg BASE_IMAGE="$BUILDAH_BASE_IMAGE"} -t "$base"
  fi
  [ -n "$base" ] && args+=(--build-arg BASE_IMAGE="$base")
  bud -f images/Containerfile "${args[@]}" -t "$prefix/$step:$version"
done
