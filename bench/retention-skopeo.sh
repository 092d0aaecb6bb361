#!/usr/bin/env bash
# The common retention script the retention benchmark compares with: for each repository, `skopeo list-tags`,
# `skopeo inspect` of every tag for its creation date, then `skopeo delete` of each tag that is not a
# protected name, not one of the KEEP highest versions (sort -V) and older than MAX_AGE_DAYS.
# Phase timestamps go to stderr ("phase plan-done <ms>"), the tags it deletes (or would) to stdout.
#
# Usage: retention-skopeo.sh REGISTRY KEEP MAX_AGE_DAYS APPLY(true|false) REPOSITORY...
set -euo pipefail
registry=$1 keep=$2 max_age_days=$3 apply=$4
shift 4
opts=(--tls-verify=false --no-creds)
cutoff=$(($(date +%s) - max_age_days * 86400))
doomed=()
for repo in "$@"; do
  mapfile -t tags < <(skopeo list-tags "${opts[@]}" "docker://$registry/$repo" | jq -r '.Tags[]')
  mapfile -t newest < <(printf '%s\n' "${tags[@]}" | grep -E '^v?[0-9]+\.[0-9]+\.[0-9]+$' | sort -rV | head -n "$keep")
  for tag in "${tags[@]}"; do
    created=$(skopeo inspect "${opts[@]}" "docker://$registry/$repo:$tag" | jq -r '.Created | sub("\\.[0-9]+"; "") | fromdateiso8601')
    case " prod staging latest ${newest[*]} " in *" $tag "*) continue ;; esac
    ((created >= cutoff)) && continue
    doomed+=("$repo:$tag")
  done
done
echo "phase plan-done $(date +%s%3N)" >&2
for ref in "${doomed[@]}"; do
  echo "$ref"
  if [[ $apply == true ]]; then skopeo delete "${opts[@]}" "docker://$registry/$ref"; fi
done
echo "phase apply-done $(date +%s%3N)" >&2
