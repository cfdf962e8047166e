#!/usr/bin/env bash
# Installs what the node needs, idempotently: Debian packages, the Go programs built from their
# Go modules (cached under ~/.cache/agentguard/<component>-<version>/bin) and the images.
# A second run finds everything in place and takes about a second.
#
# Debian packages: containerd + runc (the CRI runtime and the default OCI runtime),
# containernetworking-plugins (bridge, host-local, loopback, portmap), iptables + nftables +
# conntrack (kube-proxy, kube-network-policies), etcd-server, mmdebstrap (the toolbox's root
# filesystem from Debian's archive) and umoci (OCI image layouts from a directory, no daemon,
# no registry), busybox-static (the toolbox's wget/nc/nslookup, and the host-side DNS check).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

readonly PACKAGES=(
  containerd runc containernetworking-plugins iptables nftables conntrack etcd-server
  mmdebstrap umoci busybox-static openssl curl python3 kmod
)
readonly COMPONENTS=(kubernetes gvisor cri-tools kube-network-policies coredns)

log() { printf 'node-install: %s\n' "$*" >&2; }
die() { printf 'node-install: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" == "ii "* ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && { log "packages: all present"; return 0; }
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages ${missing[*]}; run as root"
  log "packages: installing ${missing[*]}"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
    -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if ! "${apt[@]}" "${missing[@]}" >/tmp/agentguard-node-apt.log 2>&1; then
    apt-get update -q -o DPkg::Lock::Timeout=600 >>/tmp/agentguard-node-apt.log 2>&1 || true
    "${apt[@]}" "${missing[@]}" >>/tmp/agentguard-node-apt.log 2>&1 ||
      { tail -n 30 /tmp/agentguard-node-apt.log >&2; die "apt-get failed; log: /tmp/agentguard-node-apt.log"; }
  fi
  # Debian starts containerd as a service where an init system runs; the node runs its own.
  modprobe br_netfilter 2>/dev/null || true
  modprobe nfnetlink_queue 2>/dev/null || true
}

main() {
  local started=$SECONDS component
  install_packages
  for component in "${COMPONENTS[@]}"; do
    "${SCRIPT_DIR}/build-go.sh" "$component"
  done
  "${SCRIPT_DIR}/images.sh" build
  log "node installed in $((SECONDS - started)) s"
}

main "$@"
