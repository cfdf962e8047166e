#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/workload/object_view.h"

// How the privilege rules read security settings: which values count as set, and how a container's own
// setting takes precedence over the pod's, the way the kubelet resolves them.
namespace agentguard::engine::privilege {

// One field as a control sees it. Absent and JSON null both mean unset, as they do for the API server.
// A present value of another JSON type than the field's is "invalid": it never satisfies a control, so a
// mistyped `runAsNonRoot: "true"` cannot pass as non-root.
template <typename T>
struct Setting {
  const nlohmann::json* raw = nullptr;  // the value in the document; null when unset
  std::optional<T> value;               // set only when raw has the field's type

  bool unset() const { return raw == nullptr; }
  bool invalid() const { return raw != nullptr && !value.has_value(); }
  bool is(const T& expected) const { return value.has_value() && *value == expected; }
};

// The field `key` of `object` unless absent, null, or `object` is not a mapping.
const nlohmann::json* presentField(const nlohmann::json* object, std::string_view key);

Setting<bool> boolSetting(const nlohmann::json* object, std::string_view key);
Setting<int64_t> intSetting(const nlohmann::json* object, std::string_view key);
Setting<std::string_view> stringSetting(const nlohmann::json* object, std::string_view key);

// Where a container's effective value comes from.
enum class Origin {
  kContainer,  // the container's securityContext sets the field
  kPod,        // the container leaves it unset and the pod's securityContext sets it
  kUnset,      // neither sets it
};

// A container's effective value of a field that both PodSecurityContext and SecurityContext carry
// (runAsNonRoot, runAsUser, seccompProfile, seLinuxOptions, appArmorProfile, ...). A container value, even
// an invalid one, replaces the pod's as a whole; mappings such as seccompProfile are not merged.
struct Resolved {
  const nlohmann::json* raw = nullptr;  // the effective value; null when unset at both levels
  Origin origin = Origin::kUnset;
};

// The security contexts of one pod template: spec.securityContext and each container's securityContext.
// A securityContext that is not a mapping is treated as absent (the API server rejects it).
class SecurityContexts {
 public:
  explicit SecurityContexts(const PodTemplateRef& pod);

  const nlohmann::json* pod() const { return pod_; }
  static const nlohmann::json* of(const ContainerRef& container);

  Resolved resolve(const ContainerRef& container, std::string_view key) const;

  // Field paths, built only when a violation is reported.
  std::string podPath(std::string_view key) const;  // e.g. spec.template.spec.securityContext.runAsUser
  static std::string containerPath(const ContainerRef& container, std::string_view key);

 private:
  const PodTemplateRef* template_;
  const nlohmann::json* pod_;
};

// Whether the pod declares spec.os.name: windows. Linux-only controls (privilege escalation, seccomp,
// capabilities, read-only root filesystem) do not apply to such pods; the API server forbids those fields there.
bool isWindowsPod(const PodTemplateRef& pod);

// `container "app"`, `init container "setup"` or `ephemeral container "debugger"`, for messages.
std::string describeContainer(const ContainerRef& container);

// describeContainer for one; `containers "a", "b" and "c"` for several.
std::string describeContainers(const std::vector<const ContainerRef*>& containers);

// The pod's securityContext or one container's, for controls checked at both levels.
struct ContextScope {
  const nlohmann::json* securityContext = nullptr;  // null when absent or not a mapping
  const ContainerRef* container = nullptr;          // null for the pod level
  const SecurityContexts* contexts = nullptr;

  std::string who() const;                       // "the pod" or describeContainer(...)
  std::string path(std::string_view key) const;  // the field's path at this level
};

// Calls visit(const ContextScope&) for the pod, then for each container.
template <typename Visit>
void forEachScope(const PodTemplateRef& pod, const SecurityContexts& contexts, Visit&& visit) {
  visit(ContextScope{contexts.pod(), nullptr, &contexts});
  for (const auto& container : pod.containers) {
    visit(ContextScope{SecurityContexts::of(container), &container, &contexts});
  }
}

// A value as a message shows it: strings quoted, scalars as written, `a mapping`, `a list`.
std::string describeValue(const nlohmann::json& value);

// For an invalid setting: `"yes" (a string, not a boolean)`.
std::string describeMistyped(const nlohmann::json& value, std::string_view expectedType);

}  // namespace agentguard::engine::privilege
