# shellcheck shell=bash
# Versions of everything the node runs, and where their builds are cached. Sourced, never run.
# shellcheck disable=SC2034  # the constants are used by the scripts sourcing this

# Kubernetes: built from the k8s.io/kubernetes Go module; its staging modules
# (k8s.io/api, k8s.io/client-go, ...) are published as v0.<minor>.<patch>.
readonly NODE_KUBE_VERSION=v1.37.2
readonly NODE_KUBE_STAGING_VERSION=v0.37.2
# gVisor's Go-compatible branch ("go" in gvisor.dev/gvisor), pinned by pseudo-version.
readonly NODE_GVISOR_VERSION=v0.0.0-20260905035102-160fafc42237
readonly NODE_KNP_VERSION=v0.8.0
readonly NODE_COREDNS_VERSION=v1.15.0
readonly NODE_CRI_TOOLS_VERSION=v1.37.0
# Bump when a build recipe changes, so binaries built the old way are rebuilt.
readonly NODE_BUILD_RECIPE=r2

node_cache_root() {
  printf '%s\n' "${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/agentguard"
}

# Directory holding bin/ of one component: node_component_dir kubernetes v1.37.2
node_component_dir() {
  printf '%s/%s-%s\n' "$(node_cache_root)" "$1" "$2"
}
