#!/usr/bin/env bash
# The Tekton harness of `make test`: Tekton's own validation and tekton-lint over tasks/, pipelines/ and
# triggers/ (or the paths given). See run-harness.mjs for options.
set -euo pipefail
exec node "$(dirname "$0")/run-harness.mjs" "$@"
