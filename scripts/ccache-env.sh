# Sourced by every script that compiles agentguard (scripts/build.sh, scripts/package-deb.sh, the demo's
# story): one compiler cache under ~/.cache/agentguard/ccache for every clone and build directory. ccache
# keys on compiler and flags; paths relative to the checkout (CCACHE_BASEDIR) let clones share entries.
# Configure with -DCMAKE_CXX_COMPILER_LAUNCHER=ccache to use it.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentguard/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export CCACHE_NOHASHDIR=true
