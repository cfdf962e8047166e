#!/usr/bin/env bash
# Installs what the local control plane needs: the Debian packages that are missing, then the
# Kubernetes binaries of e2e/node/versions.sh, built from the k8s.io/kubernetes Go module by
# e2e/node/build-go.sh (cached outside the checkout, keyed by version, so only the first run builds).
#
# Usage: e2e/cluster/install.sh   (or: e2e/cluster/cluster.sh install)
#
# Environment:
#   XDG_CACHE_HOME   cache root (default ~/.cache); binaries go to
#                    $XDG_CACHE_HOME/agentguard/kubernetes-<version>/bin
#   AGENTGUARD_GO    the Go toolchain build-go.sh uses (default: /usr/local/go/bin/go, else go on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/lib.sh
source "${SCRIPT_DIR}/lib.sh"

readonly PACKAGES=(etcd-server openssl curl)

package_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == "ii "* ]]
}

run_as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}

apt_install() {
  run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends \
    -o DPkg::Lock::Timeout=600 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "$@"
}

install_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "Packages: all present"
    return 0
  fi
  log "Packages: installing ${missing[*]}"
  local apt_log
  apt_log="$(mktemp "${TMPDIR:-/tmp}/agentguard-apt.XXXXXX")"
  if apt_install "${missing[@]}" >"$apt_log" 2>&1; then
    rm -f "$apt_log"
    return 0
  elif [[ $? == 126 ]]; then
    rm -f "$apt_log"
    die "missing Debian packages: ${missing[*]}; not root and no password-less sudo, install them with: sudo apt-get install ${missing[*]}"
  fi
  # The package lists may be missing or stale: refresh them once and retry.
  log "Packages: install failed, running apt-get update and retrying"
  if ! run_as_root apt-get update -q -o DPkg::Lock::Timeout=600 >>"$apt_log" 2>&1 ||
    ! apt_install "${missing[@]}" >>"$apt_log" 2>&1; then
    show_log_tail "$apt_log" 30
    die "apt-get could not install: ${missing[*]} (full log: $apt_log)"
  fi
  rm -f "$apt_log"
}

main() {
  if (($# > 0)); then
    die "install takes no arguments (got: $*)"
  fi
  install_packages
  if [[ -n "${AGENTGUARD_KUBE_BIN_DIR:-}" ]]; then
    log "Kubernetes: using ${AGENTGUARD_KUBE_BIN_DIR} (AGENTGUARD_KUBE_BIN_DIR); nothing to build"
    return 0
  fi
  # Cached: returns at once. A cold build of every binary takes tens of minutes on two cores. Two
  # installs at once (test binaries each start a cluster with --install) build once: the second
  # waits for the first and then finds the build cached.
  local lock
  lock="$(node_cache_root)/kubernetes-${KUBE_VERSION}.build.lock"
  mkdir -p "$(dirname "$lock")"
  exec 9>"$lock"
  if ! flock -n 9; then
    log "Another install is building Kubernetes ${KUBE_VERSION}; waiting for it"
    flock 9
  fi
  "${SCRIPT_DIR}/../node/build-go.sh" kubernetes
}

main "$@"
