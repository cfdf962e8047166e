#!/usr/bin/env bash
# Builds the Debian package: a Release build in build-deb/ (no tests, no benchmarks), packaged by CPack,
# copied to build/agentguard_<version>_<arch>.deb (the version is project()'s in CMakeLists.txt).
# Extra arguments go to cmake. Install it with `apt-get install ./build/agentguard_<version>_<arch>.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
version=$(sed -n 's/^project(agentguard VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
[[ -n $version ]] || { echo "package-deb.sh: no version in CMakeLists.txt's project()" >&2; exit 1; }
arch=$(dpkg --print-architecture)

source scripts/ccache-env.sh
mkdir -p build-deb build
# Warnings are errors in scripts/build.sh's build, which every test run makes. Here, at -O3, GCC 12
# also reports false positives inside libstdc++ and nlohmann_json's headers (-Wrestrict,
# -Wnull-dereference; GCC bug 105329), so this build keeps warnings as warnings even under CI=true.
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DAGENTGUARD_BUILD_TESTS=OFF -DAGENTGUARD_BUILD_BENCHMARKS=OFF -DAGENTGUARD_WERROR=OFF "$@" >build-deb/configure.log 2>&1 || {
  cat build-deb/configure.log
  exit 1
}
cmake --build build-deb -j "$jobs"
rm -f build-deb/agentguard_*.deb
(cd build-deb && cpack -G DEB >cpack.log 2>&1) || {
  cat build-deb/cpack.log
  exit 1
}

deb="build-deb/agentguard_${version}_${arch}.deb"
[[ -f $deb ]] || { echo "package-deb.sh: CPack did not write $deb:" >&2; ls build-deb/*.deb >&2 || true; exit 1; }
# A package without one of the binaries or policies is not the package: refuse it.
contents=$(dpkg-deb --contents "$deb")
expected=(./usr/bin/agentguard ./usr/bin/agentguard-webhook ./usr/bin/agentguard-operator)
for policy in policies/*/policy.yaml; do
  expected+=("./usr/share/agentguard/policies/$(basename "$(dirname "$policy")").yaml")
done
for path in "${expected[@]}"; do
  grep -q " ${path}\$" <<<"$contents" || { echo "package-deb.sh: $deb lacks $path" >&2; exit 1; }
done
cp "$deb" "build/agentguard_${version}_${arch}.deb"
echo "build/agentguard_${version}_${arch}.deb"
dpkg-deb --field "build/agentguard_${version}_${arch}.deb" Package Version Architecture Depends
