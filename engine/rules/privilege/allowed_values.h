#pragma once

#include <string>
#include <string_view>
#include <vector>

// The allow-lists of the Pod Security Standards, as rule parameter defaults and as lookups.
namespace agentguard::engine::privilege {

// The Pod Security Standards release the privilege rules and these lists follow (shown by `agentguard rules`).
constexpr std::string_view kPodSecurityStandardsVersion = "v1.34";

// A short list of exact, case-sensitive names (capabilities, sysctls, volume types). The lists hold a
// dozen entries at most, so a linear scan beats hashing and allocates nothing.
class NameList {
 public:
  NameList() = default;
  explicit NameList(std::vector<std::string> names) : names_(std::move(names)) {}

  bool contains(std::string_view name) const;
  const std::vector<std::string>& names() const { return names_; }
  std::string joined() const;  // "A, B and C", for messages

 private:
  std::vector<std::string> names_;
};

// Capabilities a container may add under baseline: the container runtimes' default set.
const std::vector<std::string>& baselineCapabilities();
// Capabilities a container may add under restricted.
const std::vector<std::string>& restrictedCapabilities();
// Sysctls baseline allows: namespaced to the pod and unable to affect the node or other pods.
const std::vector<std::string>& safeSysctls();
// Volume source fields restricted allows.
const std::vector<std::string>& restrictedVolumeTypes();
// SELinux types baseline allows in seLinuxOptions.type ("" counts as unset).
const NameList& allowedSeLinuxTypes();

// Whether a seccompProfile.type or appArmorProfile.type confines the container.
bool isConfiningProfileType(std::string_view type);

}  // namespace agentguard::engine::privilege
