#!/usr/bin/env bash
# The Helm chart carries copies of files it cannot read from outside its folder: the CRDs
# (charts/agentguard/crds/ <- crds/, charts/agentguard/files/openreports/ <- crds/openreports/) and the bundled policies (charts/agentguard/policies/<group>.yaml
# <- policies/<group>/policy.yaml). This test fails when a copy is missing, stale or left over, and
# prints the commands that refresh them (also in charts/agentguard/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

chart=charts/agentguard
failures=0

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  failures=$((failures + 1))
}

# compare SOURCE COPY: the copy exists and is byte-identical to the source.
compare() {
  local source="$1" copy="$2"
  if [[ ! -f "$copy" ]]; then
    fail "${copy} is missing (copy of ${source})"
  elif ! cmp -s "$source" "$copy"; then
    fail "${copy} differs from ${source}:"
    diff -u "$source" "$copy" | head -n 20 >&2 || true
  fi
}

checked=0
shopt -s nullglob

for source in crds/*.yaml; do
  compare "$source" "${chart}/crds/$(basename "$source")"
  checked=$((checked + 1))
done
for copy in "${chart}"/crds/*; do
  [[ -f "crds/$(basename "$copy")" ]] || fail "${copy} has no source crds/$(basename "$copy"); remove it"
done

for source in crds/openreports/*.yaml; do
  compare "$source" "${chart}/files/openreports/$(basename "$source")"
  checked=$((checked + 1))
done
for copy in "${chart}"/files/openreports/*; do
  [[ -f "crds/openreports/$(basename "$copy")" ]] || fail "${copy} has no source crds/openreports/$(basename "$copy"); remove it"
done

for source in policies/*/policy.yaml; do
  group="$(basename "$(dirname "$source")")"
  compare "$source" "${chart}/policies/${group}.yaml"
  checked=$((checked + 1))
done
for copy in "${chart}"/policies/*; do
  group="$(basename "$copy")"
  group="${group%.yaml}"
  [[ -f "policies/${group}/policy.yaml" ]] || fail "${copy} has no source policies/${group}/policy.yaml; remove it"
done

((checked > 0)) || fail "found no crds/*.yaml nor policies/*/policy.yaml to compare: run from the repository"

if ((failures > 0)); then
  cat >&2 <<'FIX'

Refresh the chart's copies from the repository root with:
  rm -f charts/agentguard/crds/*.yaml charts/agentguard/policies/*.yaml
  cp crds/*.yaml charts/agentguard/crds/
  for f in policies/*/policy.yaml; do cp "$f" "charts/agentguard/policies/$(basename "$(dirname "$f")").yaml"; done
FIX
  exit 1
fi
printf 'Chart copies match their sources (%d files).\n' "$checked"
