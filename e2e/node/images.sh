#!/usr/bin/env bash
# Builds the node's container images without a registry and imports them into a containerd.
#
#   e2e/node/images.sh build [NAME...]             build what is missing (cached)
#   e2e/node/images.sh import SOCKET [NAME...]     import the images (default: all) into namespace k8s.io
#   e2e/node/images.sh missing                     list the images not built yet
#
# Images (all agentguard.local/..., OCI archives cached under ~/.cache/agentguard/images-<recipe>):
#   pause:1                      the pod sandbox: e2e/node/images/pause, a static Go program
#   coredns:<version>            the CoreDNS binary built by build-go.sh, nothing else
#   kube-network-policies:<ver>  the NetworkPolicy agent built by build-go.sh, nothing else
#   toolbox:1                    Debian bookworm (mmdebstrap, variant essential) with python3 and
#                                busybox (sh, wget, nc, nslookup on PATH)
#   mcp-python:1                 Debian bookworm (essential) with python3 and the official MCP Python SDK
#                                (PyPI "mcp" MCP_SDK_VERSION) plus "requests", every wheel pinned by hash in
#                                e2e/gate/requirements.txt; the wheels are cached under
#                                ~/.cache/agentguard/mcp-python-<version>/wheels. The gate's e2e agent and server.
#
#   e2e/node/images.sh gate-image SOCKET [BINARY]  builds agentguard.local/gate:1 from BINARY (default
#                                build/bin/agentguard-gate: the binary, its ldd-resolved libraries, CA
#                                certificates) unless the archive was built from the same binary (its SHA-256
#                                beside it), and imports it; not part of the default list, it changes with
#                                every build.
# umoci writes the OCI layouts from plain directories: it needs no daemon and no registry, unlike
# buildah or skopeo, and each image here is one layer. ctr imports the layout's tar.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/versions.sh
source "${SCRIPT_DIR}/versions.sh"

readonly IMAGE_RECIPE=r2
readonly DEBIAN_SUITE=bookworm
# The official MCP Python SDK in agentguard.local/mcp-python:1; e2e/gate/requirements.txt pins it and
# every dependency by hash. Bump the image's tag with either.
readonly MCP_SDK_VERSION=2.3.0
readonly MCP_PYTHON_TAG=1
REPO_DIR="$(cd "${SCRIPT_DIR}/../.." && pwd)"
readonly REPO_DIR

log() { printf 'node-images: %s\n' "$*" >&2; }
die() { printf 'node-images: error: %s\n' "$*" >&2; exit 1; }

images_dir() { printf '%s/images-%s\n' "$(node_cache_root)" "$IMAGE_RECIPE"; }

# name:tag of every image, and the archive it is built into.
image_list() {
  printf '%s\n' "pause:1" "coredns:${NODE_COREDNS_VERSION}" \
    "kube-network-policies:${NODE_KNP_VERSION}" "toolbox:1" "mcp-python:${MCP_PYTHON_TAG}"
}

archive_of() { printf '%s/%s-%s.tar\n' "$(images_dir)" "${1%%:*}" "${1#*:}"; }

# pack_image NAME:TAG ROOTFS_DIR ENTRYPOINT...: one-layer OCI archive of ROOTFS_DIR.
pack_image() {
  local ref="$1" rootfs="$2"
  shift 2
  local work
  work="$(mktemp -d "$(images_dir)/work.XXXXXX")"
  local layout="${work}/layout" tag="${ref#*:}"
  umoci init --layout "$layout"
  umoci new --image "${layout}:${tag}"
  umoci unpack --image "${layout}:${tag}" "${work}/bundle" >/dev/null
  cp -a "${rootfs}/." "${work}/bundle/rootfs/"
  umoci repack --image "${layout}:${tag}" "${work}/bundle"
  local entrypoint=() arg
  for arg in "$@"; do entrypoint+=(--config.entrypoint "$arg"); done
  umoci config --image "${layout}:${tag}" --os linux --architecture amd64 \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "${entrypoint[@]}"
  umoci gc --layout "$layout"
  tar -C "$layout" -cf "$(archive_of "$ref").new" .
  mv -f "$(archive_of "$ref").new" "$(archive_of "$ref")"
  rm -rf "$work"
}

# build_binary_image NAME:TAG BINARY PATH_IN_IMAGE: an image holding one static binary.
build_binary_image() {
  local ref="$1" binary="$2" path="$3" rootfs
  [[ -x "$binary" ]] || die "${binary} is missing: run e2e/cluster/cluster.sh install --node"
  rootfs="$(mktemp -d "$(images_dir)/rootfs.XXXXXX")"
  install -D -m 0755 "$binary" "${rootfs}${path}"
  mkdir -p "${rootfs}/etc" "${rootfs}/tmp"
  chmod 1777 "${rootfs}/tmp"
  printf 'nobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"${rootfs}/etc/passwd"
  pack_image "$ref" "$rootfs" "$path"
  rm -rf "$rootfs"
}

build_pause() {
  local out
  out="$(mktemp -d "$(images_dir)/pause.XXXXXX")"
  (
    cd "${SCRIPT_DIR}/images/pause"
    export GOCACHE GOFLAGS=-trimpath CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off
    GOCACHE="$(node_cache_root)/go/build"
    "${AGENTGUARD_GO:-/usr/local/go/bin/go}" build -ldflags "-s -w" -o "${out}/pause" .
  )
  build_binary_image pause:1 "${out}/pause" /pause
  rm -rf "$out"
}

build_toolbox() {
  local rootfs applet
  rootfs="$(mktemp -d "$(images_dir)/toolbox.XXXXXX")"
  log "toolbox: mmdebstrap ${DEBIAN_SUITE} (takes a minute)"
  nice -n 15 mmdebstrap --quiet --variant=essential --include=busybox-static,python3-minimal \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_SUITE" "$rootfs" >&2
  for applet in wget nc nslookup; do
    ln -sf /bin/busybox "${rootfs}/usr/local/bin/${applet}"
  done
  rm -rf "${rootfs}/var/cache/apt/"* "${rootfs}/var/lib/apt/lists/"*
  pack_image toolbox:1 "$rootfs" /bin/sh
  rm -rf "$rootfs"
}

# The SDK's wheels, downloaded once through pip's configured index and checked against the hashes.
mcp_wheels() {
  local dir
  dir="$(node_cache_root)/mcp-python-${MCP_SDK_VERSION}/wheels"
  if [[ ! -e "${dir}/.complete" ]]; then
    log "mcp-python: downloading the pinned wheels of mcp ${MCP_SDK_VERSION}"
    mkdir -p "$dir"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
      --python-version 3.11 --implementation cp --platform manylinux_2_17_x86_64 \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_5_x86_64 \
      -r "${REPO_DIR}/e2e/gate/requirements.txt" -d "$dir" >&2
    touch "${dir}/.complete"
  fi
  printf '%s\n' "$dir"
}

build_mcp_python() {
  local rootfs wheels site
  wheels="$(mcp_wheels)"
  rootfs="$(mktemp -d "$(images_dir)/mcp-python.XXXXXX")"
  log "mcp-python: mmdebstrap ${DEBIAN_SUITE} with python3 (takes a minute)"
  # The merged-usr hook makes /usr merged itself; otherwise usrmerge would be installed, and with it perl
  # (55 MB of the root), which nothing here runs.
  nice -n 15 mmdebstrap --quiet --variant=essential --include=python3 \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_SUITE" "$rootfs" >&2
  # Debian's python3 reads /usr/local/lib/python3.11/dist-packages; the wheels are CPython 3.11 ones,
  # byte-compiled here so a read-only, non-root container does not compile them at every start.
  site="${rootfs}/usr/local/lib/python3.11/dist-packages"
  mkdir -p "$site"
  python3 -m pip install --quiet --no-index --find-links "$wheels" --require-hashes --no-deps \
    --target "$site" -r "${REPO_DIR}/e2e/gate/requirements.txt" >&2
  rm -rf "${site}/bin" "${rootfs}/var/cache/apt/"* "${rootfs}/var/lib/apt/lists/"* "${rootfs}/var/log/"*
  pack_image "mcp-python:${MCP_PYTHON_TAG}" "$rootfs" /usr/bin/python3
  rm -rf "$rootfs"
}

# cmd_gate_image SOCKET [BINARY]: agentguard.local/gate:1 from the gate binary, rebuilt when the binary changed.
cmd_gate_image() {
  local socket="$1" binary="${2:-${REPO_DIR}/build/bin/agentguard-gate}" rootfs lib digest
  [[ -x "$binary" ]] || die "${binary} is missing: build the gate first (scripts/build.sh)"
  mkdir -p "$(images_dir)"
  digest="$(sha256sum "$binary" | cut -d ' ' -f 1)"
  if [[ -s "$(archive_of gate:1)" && "$(cat "$(archive_of gate:1).binary-sha256" 2>/dev/null)" == "$digest" ]]; then
    log "gate: $(archive_of gate:1) is of this binary already"
    import_gate_image "$socket"
    return
  fi
  rootfs="$(mktemp -d "$(images_dir)/gate.XXXXXX")"
  chmod 0755 "$rootfs"  # mktemp's 0700 would become the image's /: the gate runs as non-root
  install -D -m 0755 "$binary" "${rootfs}/usr/local/bin/agentguard-gate"
  # The binary is linked against this machine's Debian libraries: copy what ldd resolves (and the loader).
  while read -r lib; do
    install -D -m 0755 "$lib" "${rootfs}${lib}"  # the loader must be executable
  done < <(ldd "$binary" | grep -oE '/[^ ]+' | sort -u)
  mkdir -p "${rootfs}/etc/ssl/certs" "${rootfs}/tmp"
  chmod 1777 "${rootfs}/tmp"
  cp -L /etc/ssl/certs/ca-certificates.crt "${rootfs}/etc/ssl/certs/"
  printf 'nobody:x:65534:65534:nobody:/:/sbin/nologin\n' >"${rootfs}/etc/passwd"
  rm -f "$(archive_of gate:1).binary-sha256"
  pack_image gate:1 "$rootfs" /usr/local/bin/agentguard-gate
  rm -rf "$rootfs"
  printf '%s\n' "$digest" >"$(archive_of gate:1).binary-sha256"
  import_gate_image "$socket"
}

import_gate_image() {
  ctr --address "$1" --namespace k8s.io images import --base-name agentguard.local/gate \
    "$(archive_of gate:1)" >/dev/null
}

# cmd_build [NAME...]: builds the named images (default: all) that are not cached yet.
cmd_build() {
  mkdir -p "$(images_dir)"
  local ref
  while read -r ref; do
    (($# == 0)) || [[ " $* " == *" ${ref%%:*} "* ]] || continue
    [[ -s "$(archive_of "$ref")" ]] && continue
    log "building agentguard.local/${ref}"
    case "${ref%%:*}" in
      pause) build_pause ;;
      coredns)
        build_binary_image "$ref" "$(node_component_dir coredns "$NODE_COREDNS_VERSION")/bin/coredns" /coredns ;;
      kube-network-policies)
        build_binary_image "$ref" \
          "$(node_component_dir kube-network-policies "$NODE_KNP_VERSION")/bin/kube-network-policies" /bin/netpol ;;
      toolbox) build_toolbox ;;
      mcp-python) build_mcp_python ;;
    esac
  done < <(image_list)
  log "images ready in $(images_dir)"
}

# cmd_import SOCKET [NAME...]: imports the named images (default: all).
cmd_import() {
  local socket="$1" ref
  shift
  while read -r ref; do
    (($# == 0)) || [[ " $* " == *" ${ref%%:*} "* ]] || continue
    [[ -s "$(archive_of "$ref")" ]] || die "$(archive_of "$ref") is missing: run $0 build"
    ctr --address "$socket" --namespace k8s.io images import --base-name "agentguard.local/${ref%%:*}" \
      "$(archive_of "$ref")" >/dev/null
  done < <(image_list)
}

# Prints the images whose archive is not built yet.
cmd_missing() {
  local ref
  while read -r ref; do
    [[ -s "$(archive_of "$ref")" ]] || printf 'image %s\n' "$ref"
  done < <(image_list)
}

main() {
  case "${1:-}" in
    missing) cmd_missing ;;
    build) shift; cmd_build "$@" ;;
    gate-image) (($# >= 2)) || die "usage: $0 gate-image CONTAINERD_SOCKET [BINARY]"; shift; cmd_gate_image "$@" ;;
    import) (($# >= 2)) || die "usage: $0 import CONTAINERD_SOCKET [NAME...]"; shift; cmd_import "$@" ;;
    *) die "usage: $0 build [NAME...] | import CONTAINERD_SOCKET [NAME...] | gate-image CONTAINERD_SOCKET [BINARY]" ;;
  esac
}

main "$@"
