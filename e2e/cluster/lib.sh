# shellcheck shell=bash
# Shared settings for the local control plane scripts (cluster.sh, install.sh).
# Sourced, never run.
# shellcheck disable=SC2034  # the constants are used by the scripts sourcing this

# The Kubernetes release and its binaries are those of e2e/node: one release, built one way
# (e2e/node/build-go.sh kubernetes, from the k8s.io/kubernetes Go module).
# shellcheck source=SCRIPTDIR/../node/versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/../node/versions.sh"
readonly KUBE_VERSION="$NODE_KUBE_VERSION"

# Where cluster.sh looks for kube-apiserver, kube-controller-manager and kubectl.
# AGENTGUARD_KUBE_BIN_DIR points at binaries built elsewhere.
kube_bin_dir() {
  if [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]]; then
    printf '%s\n' "${AGENTGUARD_KUBE_BIN_DIR}"
  else
    printf '%s/bin\n' "$(node_component_dir kubernetes "$KUBE_VERSION")"
  fi
}

# True when the build of KUBE_VERSION is complete (build-go.sh writes this stamp last). Binaries
# from AGENTGUARD_KUBE_BIN_DIR carry no stamp and count as complete.
kube_build_complete() {
  [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]] || [[ -f "$(kube_bin_dir)/.built-${NODE_BUILD_RECIPE}" ]]
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
