#!/usr/bin/env bash
# Installs what the local control plane needs: Debian packages that are missing,
# then kube-apiserver and kube-controller-manager built from Debian's kubernetes
# source package (bookworm ships no server binaries). The binaries are cached
# outside the checkout, keyed by version, so only the first run builds.
#
# Usage: e2e/cluster/install.sh   (or: e2e/cluster/cluster.sh install)
#
# Environment:
#   XDG_CACHE_HOME           cache root (default ~/.cache); binaries go to
#                            $XDG_CACHE_HOME/agentguard/kubernetes-v1.20.2/bin
#   AGENTGUARD_BUILD_JOBS    parallel compile jobs (default 2)
#   AGENTGUARD_KEEP_BUILD=1  keep the source tree and Go cache after a build
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source=SCRIPTDIR/lib.sh
source "${SCRIPT_DIR}/lib.sh"

readonly BUILD_JOBS="${AGENTGUARD_BUILD_JOBS:-2}"
# Newer sources for two vendored libraries: reflect2 1.0.1 crashes the API
# server under Go >= 1.18 on the first custom resource write
# ("fatal error: fault" in UnsafeMapType.UnsafeIterate).
readonly REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
readonly JSONITER_SRC=/usr/share/gocode/src/github.com/json-iterator/go

# ---------------------------------------------------------------------------
# Debian packages

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
  local wanted=(
    etcd-server golang-1.19-go rsync openssl curl make patch xz-utils dpkg-dev
    golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev
  )
  # Debian's kubectl (kubernetes-client) conflicts with other kubectl packages;
  # any kubectl already on PATH will do.
  if ! command -v kubectl >/dev/null 2>&1; then
    wanted+=(kubernetes-client)
  fi
  local missing=() pkg
  for pkg in "${wanted[@]}"; do
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

# ---------------------------------------------------------------------------
# Building kube-apiserver and kube-controller-manager

BUILD_LOG=""
PHASE=0
readonly PHASES=6
BUILD_STARTED=$SECONDS

phase() {
  PHASE=$((PHASE + 1))
  log "Build [${PHASE}/${PHASES}] $* (+$((SECONDS - BUILD_STARTED))s)"
  printf '\n==== [%s/%s] %s\n' "$PHASE" "$PHASES" "$*" >>"$BUILD_LOG"
}

# Runs a command with its output going to the build log; on failure prints the
# tail of the log and stops.
logged() {
  if ! "$@" >>"$BUILD_LOG" 2>&1; then
    log "Build failed in phase ${PHASE}: $*"
    show_log_tail "$BUILD_LOG" 60
    die "building Kubernetes ${KUBE_VERSION} failed; full log: ${BUILD_LOG}"
  fi
}

# Writes an apt sources.list with deb-src lines for the Debian archives the
# system already uses, read from apt-cache policy so both the one-line and the
# deb822 formats are covered.
write_source_list() {
  local out="$1" keyring=/usr/share/keyrings/debian-archive-keyring.gpg opts=""
  [[ -r "$keyring" ]] && opts="[signed-by=${keyring}] "
  apt-cache policy 2>/dev/null | awk -v opts="$opts" '
    $2 ~ /^(https?|file):/ && $NF == "Packages" { uri = $2; dist = $3; next }
    uri != "" && /release/ && /o=Debian/ {
      n = split(dist, part, "/")
      if (n >= 2 && !seen[uri " " part[1] " " part[2]]++) {
        print "deb-src " opts uri " " part[1] " " part[2]
      }
      uri = ""
      next
    }
    { uri = "" }
  ' >"$out"
  if [[ ! -s "$out" ]]; then
    {
      printf 'deb-src %shttp://deb.debian.org/debian bookworm main\n' "$opts"
      printf 'deb-src %shttp://deb.debian.org/debian bookworm-updates main\n' "$opts"
      printf 'deb-src %shttp://deb.debian.org/debian-security bookworm-security main\n' "$opts"
    } >"$out"
  fi
}

fetch_source() {
  local work="$1" apt_dir
  apt_dir="$(cache_root)/apt-source"
  mkdir -p "${apt_dir}/lists/partial" "${apt_dir}/cache/archives/partial"
  write_source_list "${apt_dir}/sources.list"
  cat "${apt_dir}/sources.list" >>"$BUILD_LOG"
  # A private source list, list directory and cache: the system's apt
  # configuration and state are left as they are.
  local apt_src=(
    apt-get -q
    -o "Dir::Etc::sourcelist=${apt_dir}/sources.list"
    -o Dir::Etc::sourceparts=-
    -o "Dir::State::Lists=${apt_dir}/lists"
    -o "Dir::Cache=${apt_dir}/cache"
  )
  if [[ "$(id -u)" == 0 ]]; then
    apt_src+=(-o APT::Sandbox::User=root)
  fi
  logged "${apt_src[@]}" update
  logged env -C "$work" "${apt_src[@]}" source \
    "${KUBE_DEBIAN_SOURCE}=${KUBE_DEBIAN_SOURCE_VERSION}"
}

prepare_tree() {
  local work="$1" src
  src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name "${KUBE_DEBIAN_SOURCE}-*" | head -n 1)"
  [[ -n "$src" && -f "$src/cmd/kube-apiserver/apiserver.go" ]] ||
    die "unexpected source layout in ${work}; see ${BUILD_LOG}"
  # GOPATH mode: module mode fails on this tree with "updates to go.mod needed".
  mkdir -p "${work}/gopath/src/k8s.io"
  ln -sfn "$src" "${work}/gopath/src/k8s.io/kubernetes"
  local vendor="${src}/vendor/github.com"
  [[ -d "$REFLECT2_SRC" && -d "$JSONITER_SRC" ]] ||
    die "Go sources of reflect2/json-iterator missing under /usr/share/gocode/src (packages golang-github-modern-go-reflect2-dev, golang-github-json-iterator-go-dev)"
  logged rm -rf "${vendor}/modern-go/reflect2" "${vendor}/json-iterator/go"
  logged cp -rL "$REFLECT2_SRC" "${vendor}/modern-go/reflect2"
  logged cp -rL "$JSONITER_SRC" "${vendor}/json-iterator/go"
  # Only the library sources are wanted from those copies.
  find "${vendor}/modern-go/reflect2" "${vendor}/json-iterator/go" \
    -name '*_test.go' -delete
}

go_env() {
  local work="$1"
  env GOPATH="${work}/gopath" GOCACHE="${work}/gocache" GO111MODULE=off \
    CGO_ENABLED=0 GOFLAGS= GOPROXY=off GOMAXPROCS="$BUILD_JOBS" \
    PATH="$(dirname "$GO_BIN"):${PATH}" "${@:2}"
}

build_kubernetes() {
  local cache bin
  cache="$(kube_cache_dir)"
  bin="${cache}/bin"
  mkdir -p "$cache"
  exec 9>"${cache}/.build.lock"
  if ! flock -n 9; then
    log "Another build of Kubernetes ${KUBE_VERSION} is running; waiting for it"
    flock 9
  fi
  if [[ -x "${bin}/kube-apiserver" && -x "${bin}/kube-controller-manager" &&
    "$(cat "${bin}/.recipe" 2>/dev/null)" == "$KUBE_BUILD_RECIPE" ]]; then
    log "Kubernetes ${KUBE_VERSION}: cached in ${bin}"
    return 0
  fi
  [[ -x "$GO_BIN" ]] || die "${GO_BIN} not found (package golang-1.19-go)"

  local work="${cache}/work"
  BUILD_LOG="${cache}/build.log"
  : >"$BUILD_LOG"
  BUILD_STARTED=$SECONDS
  log "Kubernetes ${KUBE_VERSION}: building from Debian source ${KUBE_DEBIAN_SOURCE_VERSION} (several minutes; log: ${BUILD_LOG})"
  rm -rf "$work"
  mkdir -p "$work"

  phase "Fetching Debian source package ${KUBE_DEBIAN_SOURCE}=${KUBE_DEBIAN_SOURCE_VERSION}"
  fetch_source "$work"

  phase "Preparing GOPATH tree with reflect2 1.0.2 and json-iterator 1.1.12"
  prepare_tree "$work"
  local kube="${work}/gopath/src/k8s.io/kubernetes"

  phase "Generating OpenAPI definitions"
  logged go_env "$work" make -C "$kube" gen_openapi

  local vpkg=k8s.io/kubernetes/vendor/k8s.io
  local ldflags="-s -w"
  local p
  for p in component-base/version client-go/pkg/version; do
    ldflags+=" -X ${vpkg}/${p}.gitVersion=${KUBE_VERSION}"
    ldflags+=" -X ${vpkg}/${p}.gitMajor=1"
    ldflags+=" -X ${vpkg}/${p}.gitMinor=20"
    ldflags+=" -X ${vpkg}/${p}.gitTreeState=clean"
    ldflags+=" -X ${vpkg}/${p}.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done

  mkdir -p "${work}/out"
  phase "Compiling kube-apiserver (-p ${BUILD_JOBS})"
  logged go_env "$work" env -C "$kube" PWD="$kube" \
    "$GO_BIN" build -p "$BUILD_JOBS" -trimpath -ldflags "$ldflags" \
    -o "${work}/out/kube-apiserver" ./cmd/kube-apiserver

  phase "Compiling kube-controller-manager (-p ${BUILD_JOBS})"
  logged go_env "$work" env -C "$kube" PWD="$kube" \
    "$GO_BIN" build -p "$BUILD_JOBS" -trimpath -ldflags "$ldflags" \
    -o "${work}/out/kube-controller-manager" ./cmd/kube-controller-manager

  phase "Installing binaries into ${bin}"
  logged "${work}/out/kube-apiserver" --version
  logged "${work}/out/kube-controller-manager" --version
  rm -rf "${bin}.new"
  mkdir -p "${bin}.new"
  mv "${work}/out/kube-apiserver" "${work}/out/kube-controller-manager" "${bin}.new/"
  printf '%s\n' "$KUBE_BUILD_RECIPE" >"${bin}.new/.recipe"
  rm -rf "$bin"
  mv "${bin}.new" "$bin"
  if [[ "${AGENTGUARD_KEEP_BUILD:-}" != 1 ]]; then
    rm -rf "$work"
  fi
  log "Kubernetes ${KUBE_VERSION}: built in $((SECONDS - BUILD_STARTED))s into ${bin}"
}

main() {
  if (($# > 0)); then
    die "install takes no arguments (got: $*)"
  fi
  install_packages
  build_kubernetes
}

main "$@"
