#!/usr/bin/env bash
# Builds one Go component of the node from its Go module and caches the binaries under
# ~/.cache/agentguard/<component>-<version>/bin. Does nothing when they are already there.
#
# Usage: e2e/node/build-go.sh kubernetes|gvisor|kube-network-policies|coredns|cri-tools
#
# Each build happens in a small wrapper module that requires the component's module at the
# pinned version (e2e/node/versions.sh), so nothing but the Go module proxy is needed.
# GOMODCACHE and GOCACHE live under ~/.cache/agentguard/go so a later build reuses both.
# Compiles run at nice 15 with -trimpath and CGO off (static binaries).
#
# Environment: AGENTGUARD_GO (default: go on PATH, else /usr/local/go/bin/go).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/versions.sh
source "${SCRIPT_DIR}/versions.sh"

log() { printf 'node-build: %s\n' "$*" >&2; }
die() { printf 'node-build: error: %s\n' "$*" >&2; exit 1; }

go_binary() {
  if [[ -n "${AGENTGUARD_GO:-}" ]]; then
    printf '%s\n' "$AGENTGUARD_GO"
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    command -v go || die "no Go toolchain: install Go 1.26 or set AGENTGUARD_GO"
  fi
}

go_env() {
  local root
  root="$(node_cache_root)/go"
  export GOMODCACHE="${root}/mod" GOCACHE="${root}/build" GOFLAGS=-trimpath CGO_ENABLED=0
  export GOTOOLCHAIN=local GOWORK=off
  mkdir -p "$GOMODCACHE" "$GOCACHE"
}

# Replace lines mapping every k8s.io staging module that k8s.io/kubernetes requires at
# v0.0.0 to its published version of the same release.
kube_staging_replaces() {
  local mod="$1"
  awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$mod" | sort -u |
    while read -r path; do
      printf 'replace %s => %s %s\n' "$path" "$path" "$NODE_KUBE_STAGING_VERSION"
    done
}

# Writes DIR/go.mod requiring MODULE@VERSION (plus EXTRA lines) and resolves PACKAGES.
prepare_wrapper() {
  local dir="$1" module="$2" version="$3" extra="$4"
  shift 4
  local go
  go="$(go_binary)"
  rm -rf "$dir"
  mkdir -p "$dir"
  {
    printf 'module agentguard.local/nodebuild\n\ngo 1.26.0\n\nrequire %s %s\n' "$module" "$version"
    printf '%s\n' "$extra"
  } >"${dir}/go.mod"
  local pkg args=()
  for pkg in "$@"; do args+=("${pkg}@${version}"); done
  (cd "$dir" && nice -n 15 "$go" get "${args[@]}")
}

# The build recipe of a component: bumping it rebuilds binaries built the old way (bump
# IMAGE_RECIPE in images.sh too when the binary goes into an image).
recipe_of() {
  case "$1" in
    kube-network-policies) printf '%s-xt-nfqueue\n' "$NODE_BUILD_RECIPE" ;;
    *) printf '%s\n' "$NODE_BUILD_RECIPE" ;;
  esac
}

# build_component NAME VERSION MODULE LDFLAGS EXTRA_GO_MOD OUT=PKG...
build_component() {
  local name="$1" version="$2" module="$3" ldflags="$4" extra="$5"
  shift 5
  local dest
  dest="$(node_component_dir "$name" "$version")"
  local stamp="${dest}/bin/.built-$(recipe_of "$name")"
  if [[ -f "$stamp" ]]; then
    log "${name} ${version}: cached in ${dest}/bin"
    return 0
  fi
  go_env
  local go pkgs=() spec
  go="$(go_binary)"
  for spec in "$@"; do pkgs+=("${spec#*=}"); done
  log "${name} ${version}: resolving modules"
  prepare_wrapper "${dest}/src" "$module" "$version" "$extra" "${pkgs[@]}"
  mkdir -p "${dest}/bin.new"
  local started=$SECONDS src
  for spec in "$@"; do
    log "${name} ${version}: building ${spec%%=*}"
    src="${dest}/src"
    case "${spec%%=*}" in
      containerd-shim-runsc-v1) src="$(prepare_patched_wrapper "$dest" gvisor.dev/gvisor patch_gvisor_shim)" ;;
      kube-network-policies)
        src="$(prepare_patched_wrapper "$dest" sigs.k8s.io/kube-network-policies patch_knp_nfqueue)" ;;
    esac
    (cd "$src" && nice -n 15 "$go" build -ldflags "$ldflags" -o "${dest}/bin.new/${spec%%=*}" "${spec#*=}")
  done
  rm -rf "${dest}/bin"
  mv "${dest}/bin.new" "${dest}/bin"
  touch "$stamp"
  log "${name} ${version}: built in $((SECONDS - started)) s into ${dest}/bin"
}

# prepare_patched_wrapper DEST MODULE PATCH: a wrapper module (DEST/patched-src) that builds from
# a copy of MODULE at its pinned version in which the function PATCH has changed what it must.
# The copy lives in the cache beside the wrapper; prints the wrapper's directory.
prepare_patched_wrapper() {
  local dest="$1" module="$2" patch="$3" version
  version="$(awk -v m="$module" '$1 == "require" && $2 == m { print $3 }' "${dest}/src/go.mod")"
  [[ -n "$version" ]] || die "${module} is not required by ${dest}/src/go.mod"
  local wrapper="${dest}/patched-src" copy="${dest}/patched-src/module"
  rm -rf "$wrapper"
  mkdir -p "$wrapper"
  cp -r "${GOMODCACHE}/$(module_cache_path "$module")@${version}" "$copy"
  chmod -R u+w "$copy"
  "$patch" "$copy"
  cp "${dest}/src/go.mod" "${dest}/src/go.sum" "${wrapper}/"
  printf '\nreplace %s => ./module\n' "$module" >>"${wrapper}/go.mod"
  printf '%s\n' "$wrapper"
}

# The module cache spells upper-case letters as !lower-case.
module_cache_path() { sed 's/[A-Z]/!\L&/g' <<<"$1"; }

# gVisor's shim lowers its own OOM score to -999 and fails the pod when the kernel refuses
# (no CAP_SYS_RESOURCE, as on machines whose capability bounding set lacks it); containerd's own
# shims ignore that refusal. In the shim's copy, that one condition also lets a permission error
# pass. runsc is built from the module as published.
patch_gvisor_shim() {
  local manager="${1}/pkg/shim/v1/manager.go"
  sed -i 's/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil {/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil \&\& !os.IsPermission(err) {/' \
    "$manager"
  grep -q 'oomScoreMax); err != nil && !os.IsPermission(err) {' "$manager" ||
    die "gVisor's shim no longer sets its OOM score as expected; review patch_gvisor_shim"
}

# kube-network-policies hands the first packet of each connection of a selected pod to
# userspace with nftables' own queue expression (module nft_queue). Kernels built without
# nft_queue but with xt_NFQUEUE (as here: "Could not process rule: No such file or directory")
# reach the same queue through the xtables NFQUEUE target, which nftables runs via nft_compat.
# In the copy, the two places that build the queue expression build that target instead;
# the verdicts, the queue number and the fail-open flag are unchanged.
patch_knp_nfqueue() {
  local controller="${1}/pkg/networkpolicy/controller.go"
  python3 - "$controller" <<'PY' || die "kube-network-policies no longer builds its queue as expected; review patch_knp_nfqueue"
import sys
path = sys.argv[1]
text = open(path).read()
old = """	queue := &expr.Queue{Num: uint16(c.config.QueueID)}
	if c.config.FailOpen {
		queue.Flag = expr.QueueFlagBypass
	}
"""
if text.count(old) != 2:  # the forward chain and the DNS chain
    sys.exit(1)
open(path, "w").write(text.replace(old, "\tqueue := xtNFQueue(uint16(c.config.QueueID), c.config.FailOpen)\n"))
PY
  cat >"${1}/pkg/networkpolicy/xt_nfqueue.go" <<'GO'
package networkpolicy

import (
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// xtNFQueue is the xtables NFQUEUE target, revision 3. Its info is
// struct xt_NFQ_info_v3 { u16 queuenum; u16 queues_total; u16 flags; }, padded to 8 bytes.
func xtNFQueue(num uint16, bypass bool) *expr.Target {
	var flags uint16
	if bypass {
		flags = 1 // NFQ_FLAG_BYPASS
	}
	info := xt.Unknown(make([]byte, 0, 8))
	info = append(info, binaryutil.NativeEndian.PutUint16(num)...)
	info = append(info, binaryutil.NativeEndian.PutUint16(1)...)
	info = append(info, binaryutil.NativeEndian.PutUint16(flags)...)
	info = append(info, 0, 0)
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
GO
}

build_kubernetes() {
  local go mod minor version_pkgs ldflags="-s -w" pkg
  go_env
  go="$(go_binary)"
  mod="$(cd /tmp && "$go" mod download -json "k8s.io/kubernetes@${NODE_KUBE_VERSION}" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$mod" ]] || die "could not download k8s.io/kubernetes@${NODE_KUBE_VERSION}"
  minor="${NODE_KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  version_pkgs=(k8s.io/component-base/version k8s.io/client-go/pkg/version)
  for pkg in "${version_pkgs[@]}"; do
    ldflags+=" -X ${pkg}.gitVersion=${NODE_KUBE_VERSION} -X ${pkg}.gitMajor=1"
    ldflags+=" -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean"
  done
  build_component kubernetes "$NODE_KUBE_VERSION" k8s.io/kubernetes "$ldflags" \
    "$(kube_staging_replaces "$mod")" \
    kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
    kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
    kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
    kubelet=k8s.io/kubernetes/cmd/kubelet \
    kube-proxy=k8s.io/kubernetes/cmd/kube-proxy \
    kubectl=k8s.io/kubernetes/cmd/kubectl
}

main() {
  (($# == 1)) || die "usage: build-go.sh kubernetes|gvisor|kube-network-policies|coredns|cri-tools"
  case "$1" in
    kubernetes) build_kubernetes ;;
    gvisor)
      build_component gvisor "$NODE_GVISOR_VERSION" gvisor.dev/gvisor "-s -w" "" \
        runsc=gvisor.dev/gvisor/runsc containerd-shim-runsc-v1=gvisor.dev/gvisor/shim ;;
    kube-network-policies)
      build_component kube-network-policies "$NODE_KNP_VERSION" sigs.k8s.io/kube-network-policies \
        "-s -w" "" kube-network-policies=sigs.k8s.io/kube-network-policies/cmd ;;
    coredns)
      build_component coredns "$NODE_COREDNS_VERSION" github.com/coredns/coredns "-s -w" "" \
        coredns=github.com/coredns/coredns ;;
    cri-tools)
      build_component cri-tools "$NODE_CRI_TOOLS_VERSION" sigs.k8s.io/cri-tools "-s -w" "" \
        crictl=sigs.k8s.io/cri-tools/cmd/crictl ;;
    *) die "unknown component: $1" ;;
  esac
}

main "$@"
