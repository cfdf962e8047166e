#!/usr/bin/env bash
# Fetches the Prometheus Operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) for the chart
# tests, and prints the directory that holds them, so the chart's monitoring objects are checked by a
# real API server against the real schemas (server-side dry run) rather than only client-side.
#
# They come from the prometheus-operator Go module (example/prometheus-operator-crd/ in its source)
# through the Go module proxy; only the module's zip is fetched, nothing is built.
#
# Usage: e2e/tools/install-monitoring-crds.sh   -> prints .../agentguard/prometheus-operator-crds-<version>
# Environment: XDG_CACHE_HOME (default ~/.cache)
set -euo pipefail

readonly MODULE=github.com/prometheus-operator/prometheus-operator
readonly VERSION=v0.85.0
readonly CRDS=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml
  monitoring.coreos.com_prometheusrules.yaml)

die() {
  printf 'install-monitoring-crds: error: %s\n' "$*" >&2
  exit 1
}

main() {
  (($# == 0)) || die "takes no arguments"
  local cache="${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/agentguard"
  local target="${cache}/prometheus-operator-crds-${VERSION}"
  local crd complete=1
  for crd in "${CRDS[@]}"; do [[ -s "${target}/${crd}" ]] || complete=0; done
  if ((complete)); then
    printf '%s\n' "$target"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go is needed to fetch ${MODULE} from the Go module proxy"
  # The module cache the node's Go builds share (e2e/node/build-go.sh).
  export GOMODCACHE="${cache}/go/mod" GOFLAGS=-mod=mod
  mkdir -p "$GOMODCACHE"
  local dir
  dir="$(go mod download -json "${MODULE}@${VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" ||
    die "go mod download ${MODULE}@${VERSION} failed"
  [[ -n "$dir" && -d "${dir}/example/prometheus-operator-crd" ]] ||
    die "${MODULE}@${VERSION} has no example/prometheus-operator-crd (Dir: '${dir}')"
  local work
  work="$(mktemp -d "${cache}/prometheus-operator-crds.XXXXXX")"
  for crd in "${CRDS[@]}"; do
    cp "${dir}/example/prometheus-operator-crd/${crd}" "$work/" || die "${crd} missing from ${MODULE}@${VERSION}"
  done
  chmod 0755 "$work"
  rm -rf "$target"
  mv "$work" "$target"
  printf '%s\n' "$target"
}

main "$@"
