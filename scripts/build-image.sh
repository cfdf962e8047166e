#!/usr/bin/env bash
# Builds the agentguard image from the repository's Dockerfile with buildah (Debian's package), with
# no registry: the debian:bookworm base image is made here from Debian's packages (mmdebstrap,
# variant minbase, the variant Debian's official image uses) and kept under ~/.cache/agentguard.
#
# Usage: scripts/build-image.sh [--load-into DIR] [--push REF] [--tag TAG]
#   --load-into DIR  import the image into the containerd of the node cluster whose state directory
#                    is DIR (e2e/cluster/cluster.sh up --node --state-dir DIR), namespace k8s.io
#   --push REF       push the image to a registry of your choice, e.g. registry.example.com/agentguard:0.1.0
#                    (buildah push; log in first with `buildah login`)
#   --tag TAG        image tag (default: the project version in CMakeLists.txt)
# The last line printed is the image reference, agentguard.local/agentguard:TAG.
#
# Needs root (buildah's storage under /var/lib/containers). The compiler cache of the Dockerfile's
# build stage is a buildah cache mount, so a rebuild after a small change takes a minute or two; the
# first build compiles everything (about 10 minutes on 2 cores).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
readonly IMAGE_NAME=agentguard.local/agentguard
# The base image the Dockerfile starts from, as buildah resolves `FROM debian:bookworm`.
readonly BASE_REF=docker.io/library/debian:bookworm
# Bump when the way the base image is made changes: it names the cached root file system.
readonly BASE_RECIPE=r1

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { printf 'build-image: error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

cache_root() { printf '%s/agentguard\n' "${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}"; }

project_version() {
  sed -n 's/^project(agentguard VERSION \([0-9.]*\).*/\1/p' "${REPO}/CMakeLists.txt"
}

ensure_tools() {
  [[ "$(id -u)" == 0 ]] || die "buildah's storage needs root; run as root"
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
}

# The debian:bookworm root file system as a tar, made once and cached.
base_rootfs_tar() {
  local tar
  tar="$(cache_root)/images-base-${BASE_RECIPE}/debian-bookworm.tar"
  if [[ ! -s "$tar" ]]; then
    log "making ${BASE_REF} with mmdebstrap (about a minute)"
    mkdir -p "$(dirname "$tar")"
    nice -n 10 mmdebstrap --quiet --variant=minbase \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --aptopt='APT::Install-Recommends "false"' \
      bookworm "${tar}.new" >&2
    mv -f "${tar}.new" "$tar"
  fi
  printf '%s\n' "$tar"
}

ensure_base_image() {
  if buildah inspect --type image "$BASE_REF" >/dev/null 2>&1; then
    return 0
  fi
  local tar container
  tar="$(base_rootfs_tar)"
  log "importing ${BASE_REF} into buildah's storage"
  container="$(buildah from scratch)"
  buildah add --quiet "$container" "$tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash --os linux --arch amd64 "$container"
  buildah commit --quiet --rm "$container" "$BASE_REF" >/dev/null
}

# Every build with changed sources leaves its build-stage layers behind as cache; past a bound they
# are pruned (the next build then reinstalls the build stage's packages; the compiler cache survives
# in its cache mount).
readonly STORAGE_BOUND_KIB=$((8 * 1024 * 1024))
prune_if_large() {
  local root used
  root="$(buildah info --format '{{.store.GraphRoot}}' 2>/dev/null)" || return 0
  used="$(du -sk "$root" 2>/dev/null | cut -f1)"
  if [[ -n "$used" ]] && ((used > STORAGE_BOUND_KIB)); then
    log "buildah storage holds $((used / 1024)) MiB: pruning unused layers"
    buildah rmi --prune >/dev/null 2>&1 || true
  fi
}

build_image() {
  local ref="$1"
  log "building ${ref} from ${REPO}/Dockerfile"
  # --network host: the build stage's apt-get reaches Debian's mirror the way this machine does.
  buildah bud --pull=never --network host --layers \
    --build-arg "AGENTGUARD_VERSION=${ref##*:}" \
    --build-arg "AGENTGUARD_REVISION=$(git -C "$REPO" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
    -t "$ref" -f "${REPO}/Dockerfile" "$REPO" >&2
}

# The checks users expect of the image: it runs as a non-root user, carries no shell, and its
# binaries start (every shared library resolved) and find the bundled policies.
check_image() {
  local ref="$1" user container root
  user="$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$ref")"
  [[ "$user" == 65532:65532 ]] || die "${ref} runs as '${user}', not 65532:65532"
  container="$(buildah from --pull=never "$ref")"
  root="$(buildah mount "$container")"
  local failed=0
  if [[ -e "${root}/bin/sh" || -e "${root}/usr/bin/sh" ]]; then
    log "check: ${ref} carries a shell"
    failed=1
  fi
  local binary
  for binary in agentguard agentguard-webhook agentguard-operator agentguard-gate; do
    if ! chroot "$root" "/usr/local/bin/${binary}" --help >/dev/null 2>&1; then
      log "check: /usr/local/bin/${binary} --help does not run in the image"
      failed=1
    fi
  done
  if ! compgen -G "${root}/etc/agentguard/policies/*.yaml" >/dev/null; then
    log "check: no policies in /etc/agentguard/policies"
    failed=1
  fi
  buildah umount "$container" >/dev/null
  buildah rm "$container" >/dev/null
  ((failed == 0)) || die "${ref} failed its checks"
  log "${ref}: $(buildah images --format '{{.Size}}' "$ref"), user 65532, no shell, binaries start"
}

load_into() {
  local ref="$1" state_dir="$2" socket archive
  socket="${state_dir%/}/containerd/containerd.sock"
  [[ -S "$socket" ]] || die "no containerd socket at ${socket}: is a node cluster up with --state-dir ${state_dir}?"
  archive="$(mktemp "${TMPDIR:-/tmp}/agentguard-image.XXXXXX.tar")"
  rm -f "$archive"
  buildah push --quiet "$ref" "oci-archive:${archive}:${ref}" >&2
  ctr --address "$socket" --namespace k8s.io images import --base-name "$IMAGE_NAME" "$archive" >/dev/null
  rm -f "$archive"
  log "imported ${ref} into ${socket}"
}

main() {
  local load_dir="" push_ref="" tag=""
  while (($# > 0)); do
    case "$1" in
      --load-into) (($# >= 2)) || die "--load-into needs a directory"; load_dir="$2"; shift 2 ;;
      --push) (($# >= 2)) || die "--push needs an image reference"; push_ref="$2"; shift 2 ;;
      --tag) (($# >= 2)) || die "--tag needs a tag"; tag="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  [[ -n "$tag" ]] || tag="$(project_version)"
  [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'${tag}' is not a valid image tag"
  local ref="${IMAGE_NAME}:${tag}"

  ensure_tools
  ensure_base_image
  prune_if_large
  build_image "$ref"
  check_image "$ref"
  [[ -z "$load_dir" ]] || load_into "$ref" "$load_dir"
  if [[ -n "$push_ref" ]]; then
    buildah push "$ref" "docker://${push_ref}" >&2
    log "pushed ${push_ref}"
  fi
  printf '%s\n' "$ref"
}

main "$@"
