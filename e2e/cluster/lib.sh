# shellcheck shell=bash
# Shared settings for the local control plane scripts (cluster.sh, install.sh).
# Sourced, never run.
# shellcheck disable=SC2034  # the constants are used by the scripts sourcing this

# The Kubernetes release the local control plane runs, and the Debian source
# package it is built from (Debian bookworm ships only the client binary).
readonly KUBE_VERSION=v1.20.2
readonly KUBE_DEBIAN_SOURCE=kubernetes
readonly KUBE_DEBIAN_SOURCE_VERSION=1.20.5+really1.20.2-1.1+deb12u1
# Bump when the way the binaries are built changes, so cached binaries built the
# old way are rebuilt.
readonly KUBE_BUILD_RECIPE="${KUBE_VERSION}-debian-${KUBE_DEBIAN_SOURCE_VERSION}-reflect2-1.0.2-jsoniter-1.1.12-r1"
readonly GO_BIN=/usr/lib/go-1.19/bin/go

cache_root() {
  printf '%s\n' "${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/agentguard"
}

# Where install.sh puts the binaries it builds.
kube_cache_dir() {
  printf '%s\n' "$(cache_root)/kubernetes-${KUBE_VERSION}"
}

# Where cluster.sh looks for kube-apiserver and kube-controller-manager.
# AGENTGUARD_KUBE_BIN_DIR points at binaries built elsewhere.
kube_bin_dir() {
  if [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]]; then
    printf '%s\n' "${AGENTGUARD_KUBE_BIN_DIR}"
  else
    printf '%s\n' "$(kube_cache_dir)/bin"
  fi
}

log() {
  printf 'cluster: %s\n' "$*" >&2
}

die() {
  printf 'cluster: error: %s\n' "$*" >&2
  exit 1
}

# Prints the last lines of a log file to stderr, framed so it stands out.
show_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf 'cluster: ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf 'cluster: ---- end of %s ----\n' "$file" >&2
  else
    printf 'cluster: (%s is empty or missing)\n' "$file" >&2
  fi
}
