#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Host paths through which a pod reaches the node's container runtime (Docker, containerd, CRI-O): whoever
// can talk to the runtime can start a privileged container on the node.
namespace agentguard::engine::privilege {

// A host path in a canonical spelling for comparison: "//" collapsed, "." and ".." resolved lexically, no
// trailing "/", and the /var/run symlink spelled /run (mounting /var/run mounts the node's /run). A relative
// path is taken from the root. The result is always absolute; "/" stays "/".
std::string canonicalHostPath(std::string_view path);

// How a mounted host path relates to a runtime path.
enum class Exposure {
  kSame,      // the mount is the socket or directory itself
  kContains,  // the mount is a parent directory of it (e.g. /var/run, /)
  kInside,    // the mount lies inside a runtime directory (e.g. /var/lib/docker/containers)
};

struct RuntimeMatch {
  std::string_view runtimePath;  // as configured, e.g. /var/run/docker.sock
  Exposure exposure = Exposure::kSame;
};

class RuntimeSocketPaths {
 public:
  explicit RuntimeSocketPaths(const std::vector<std::string>& paths);

  // The first runtime path a hostPath volume of `hostPath` exposes, if any.
  std::optional<RuntimeMatch> exposedBy(std::string_view hostPath) const;

 private:
  std::vector<std::string> configured_;
  std::vector<std::string> canonical_;
};

// Sockets and state directories of the common container runtimes.
const std::vector<std::string>& defaultRuntimePaths();

}  // namespace agentguard::engine::privilege
