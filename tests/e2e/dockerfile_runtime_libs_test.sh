#!/usr/bin/env bash
# The Dockerfile cannot be built here (no Docker engine, no base image), so this checks the part most
# likely to go wrong by reading it: every shared library the given binaries load comes from a Debian
# package that the runtime stage installs (directly or as a dependency) or that debian:bookworm-slim
# already has.
#
# Usage: tests/e2e/dockerfile_runtime_libs_test.sh BINARY...
set -euo pipefail
cd "$(dirname "$0")/../.."

(($# > 0)) || {
  echo "usage: $0 BINARY..." >&2
  exit 2
}

# Essential packages of debian:bookworm-slim that shared libraries come from.
readonly SLIM_BASE=(libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libbz2-1.0 libcrypt1 libselinux1 libpcre2-8-0)

# The packages of the runtime stage's "apt-get install" (continuation lines joined).
dockerfile="${AGENTGUARD_DOCKERFILE:-Dockerfile}"
listed="$(python3 - "$dockerfile" <<'PY'
import sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = text.split(" AS runtime", 1)[1]
for line in stage.splitlines():
    if line.startswith("RUN ") and "apt-get install" in line:
        command = line.split("apt-get install", 1)[1].split("&&", 1)[0]
        print("\n".join(w for w in command.split() if not w.startswith("-")))
        break
PY
)"
[[ -n "$listed" ]] || {
  echo "FAIL: found no runtime-stage apt-get install list in the Dockerfile" >&2
  exit 1
}

# Everything those packages bring (hard dependencies, recursively), plus the base image.
# shellcheck disable=SC2086  # one package a word
provided="$( {
  printf '%s\n' "${SLIM_BASE[@]}" $listed
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances --no-pre-depends $listed 2>/dev/null | awk '/^[a-z0-9]/ { print } /Depends:/ { print $2 }'
} | sed 's/:.*//; s/[<>]//g' | sort -u)"

failures=0
for binary in "$@"; do
  if [[ ! -x "$binary" ]]; then
    echo "FAIL: ${binary} is missing" >&2
    failures=$((failures + 1))
    continue
  fi
  while read -r library; do
    package="$(dpkg -S "$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "/usr${library}" 2>/dev/null || true)"
    package="${package%%:*}"
    if [[ -z "$package" ]]; then
      echo "FAIL: $(basename "$binary") loads ${library}, which no Debian package owns" >&2
      failures=$((failures + 1))
    elif ! grep -qx "$package" <<<"$provided"; then
      echo "FAIL: $(basename "$binary") loads ${library} from ${package}, which the Dockerfile's runtime stage does not install" >&2
      failures=$((failures + 1))
    fi
  done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
done

if ((failures > 0)); then
  exit 1
fi
echo "The runtime stage provides every shared library of: $(for b in "$@"; do basename "$b"; done | paste -sd' ')"
echo "Runtime packages: $(paste -sd' ' <<<"$listed")"
