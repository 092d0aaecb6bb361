#!/usr/bin/env bash
# `make demo`: the library's main job on this machine, against a real local registry.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx examples/demo.ts "$@"
