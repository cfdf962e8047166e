#!/usr/bin/env bash
# Installs the Debian package on a fresh Debian bookworm and uses it there: `apt-get install
# ./agentguard_<version>_<arch>.deb` in a chroot made by `mmdebstrap --variant=apt bookworm` (apt resolves
# the Depends that dpkg-shlibdeps computed, from the Debian mirror), then checks that every binary finds its
# libraries, that `agentguard --version` prints the version, and that `agentguard check` refuses an unsafe
# example, with the built-in policies and with the ones installed under /usr/share/agentguard/policies.
#
#   tests/package/deb_install_test.sh [--build] [DEB]
#
# DEB defaults to build/agentguard_<version>_<arch>.deb; --build makes it first with scripts/package-deb.sh
# (a Release build in build-deb/: minutes the first time, seconds when nothing changed). Needs root.
# The bookworm root is built once and cached as a tarball under ~/.cache/agentguard/deb-install-test/,
# keyed by `recipe` below: change how the root is made, bump it. Exit 0 passed, 1 failed, 77 skipped (not root).
set -euo pipefail
cd "$(dirname "$0")/../.."

recipe=r1  # mmdebstrap --variant=apt --format=tar bookworm, nothing else
build=0
if [[ ${1:-} == --build ]]; then
  build=1
  shift
fi
version=$(sed -n 's/^project(agentguard VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
deb=${1:-build/agentguard_${version}_$(dpkg --print-architecture).deb}
unsafe=examples/unsafe/privileged-deployment.yaml

fail() {
  echo "deb_install_test: FAIL: $*" >&2
  exit 1
}

if [[ $(id -u) -ne 0 ]]; then
  echo "deb_install_test: skipped: mmdebstrap and chroot need root" >&2
  exit 77
fi
if ((build)); then
  echo "==> scripts/package-deb.sh"
  scripts/package-deb.sh >/tmp/agentguard-package-deb.log 2>&1 || {
    tail -50 /tmp/agentguard-package-deb.log >&2
    fail "scripts/package-deb.sh failed (log: /tmp/agentguard-package-deb.log)"
  }
fi
[[ -f $deb ]] || fail "$deb does not exist; build it with scripts/package-deb.sh"
if ! command -v mmdebstrap >/dev/null; then
  echo "==> Installing mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null ||
    fail "mmdebstrap is not installed and apt-get install mmdebstrap failed"
fi

cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/agentguard/deb-install-test"
tarball="$cache_dir/bookworm-apt-$recipe.tar"
if [[ ! -f $tarball ]]; then
  mkdir -p "$cache_dir"
  echo "==> Building the bookworm root (mmdebstrap --variant=apt bookworm), cached as $tarball"
  rm -rf "$tarball.partial"
  mmdebstrap --quiet --variant=apt --format=tar bookworm "$tarball.partial" ||
    fail "mmdebstrap could not build the bookworm root"
  mv "$tarball.partial" "$tarball"
fi

root=$(mktemp -d /tmp/agentguard-deb-install.XXXXXX)
proc_mounted=0
cleanup() {
  if ((proc_mounted)); then umount "$root/proc" || true; fi
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -xf "$tarball" -C "$root" || fail "could not unpack $tarball; delete it to have it made again"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
proc_mounted=1
cp "$deb" "$root/tmp/"
cp "$unsafe" "$root/tmp/unsafe.yaml"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }

echo "==> apt-get install ./$(basename "$deb") in a fresh bookworm"
if ! in_root apt-get update -qq >"$root/tmp/apt-update.log" 2>&1; then
  cat "$root/tmp/apt-update.log" >&2
  fail "apt-get update inside the chroot failed (is the Debian mirror reachable?)"
fi
if ! in_root sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ./$(basename "$deb")" \
  >"$root/tmp/apt-install.log" 2>&1; then
  cat "$root/tmp/apt-install.log" >&2
  fail "apt-get install ./$(basename "$deb") failed"
fi
echo "  installed with $(grep -c '^Setting up ' "$root/tmp/apt-install.log" || true) packages set up"

for binary in agentguard agentguard-webhook agentguard-operator; do
  [[ -x $root/usr/bin/$binary ]] || fail "/usr/bin/$binary is not installed"
  missing=$(in_root ldd "/usr/bin/$binary" | grep "not found" || true)
  [[ -z $missing ]] || fail "/usr/bin/$binary misses libraries the package does not depend on: $missing"
done

printed=$(in_root agentguard --version)
[[ $printed == "agentguard $version" ]] || fail "agentguard --version printed \"$printed\", expected \"agentguard $version\""
echo "  agentguard --version: $printed"

for policies in "" /usr/share/agentguard/policies; do
  args=(check)
  [[ -n $policies ]] && args+=(--policies "$policies")
  status=0
  in_root agentguard "${args[@]}" -o json /tmp/unsafe.yaml >"$root/tmp/report.json" 2>"$root/tmp/report.err" || status=$?
  [[ $status -eq 1 ]] || { cat "$root/tmp/report.err" >&2; fail "agentguard ${args[*]} $unsafe exited $status, expected 1 (refused)"; }
  grep -q '"passed": false' "$root/tmp/report.json" || fail "the report of agentguard ${args[*]} does not say passed: false"
  echo "  agentguard ${args[*]} $unsafe: refused (exit 1)"
done
echo "deb_install_test: PASS"
