#include "engine/rules/privilege/runtime_socket_paths.h"

namespace agentguard::engine::privilege {
namespace {

// Whether `inner` is `outer` followed by "/..." (both canonical).
bool isBelow(std::string_view inner, std::string_view outer) {
  if (outer == "/") return inner.size() > 1;
  return inner.size() > outer.size() && inner.substr(0, outer.size()) == outer && inner[outer.size()] == '/';
}

}  // namespace

std::string canonicalHostPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  if (segments.size() >= 2 && segments[0] == "var" && segments[1] == "run") {
    segments.erase(segments.begin());  // /var/run -> /run
  }
  if (segments.empty()) return "/";
  std::string canonical;
  for (const auto segment : segments) {
    canonical += '/';
    canonical += segment;
  }
  return canonical;
}

RuntimeSocketPaths::RuntimeSocketPaths(const std::vector<std::string>& paths) : configured_(paths) {
  canonical_.reserve(paths.size());
  for (const auto& path : paths) canonical_.push_back(canonicalHostPath(path));
}

std::optional<RuntimeMatch> RuntimeSocketPaths::exposedBy(std::string_view hostPath) const {
  const std::string mounted = canonicalHostPath(hostPath);
  for (size_t i = 0; i < canonical_.size(); ++i) {
    const std::string& runtime = canonical_[i];
    if (mounted == runtime) return RuntimeMatch{configured_[i], Exposure::kSame};
    if (isBelow(runtime, mounted)) return RuntimeMatch{configured_[i], Exposure::kContains};
    if (isBelow(mounted, runtime)) return RuntimeMatch{configured_[i], Exposure::kInside};
  }
  return std::nullopt;
}

const std::vector<std::string>& defaultRuntimePaths() {
  static const std::vector<std::string> paths = {
      "/var/run/docker.sock",
      "/run/docker.sock",
      "/var/run/containerd/containerd.sock",
      "/run/containerd",
      "/var/run/crio/crio.sock",
      "/run/crio",
      "/var/lib/docker",
      "/var/run/cri-dockerd.sock",
      "/var/lib/containerd",
      "/run/podman/podman.sock",
      "/run/k3s/containerd",
      "/var/run/dockershim.sock",
  };
  return paths;
}

}  // namespace agentguard::engine::privilege
