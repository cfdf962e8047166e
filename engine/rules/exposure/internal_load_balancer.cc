#include "engine/rules/exposure/internal_load_balancer.h"

#include <array>
#include <optional>

namespace agentguard::engine::exposure {
namespace {

using Json = nlohmann::json;

struct Cloud {
  std::string_view name;
  std::array<std::string_view, 3> prefixes;       // annotation key prefixes this cloud reads ("" = unused)
  std::array<std::string_view, 5> publicOnly;     // annotations that only a public load balancer uses
  std::array<std::string_view, 2> classes;        // loadBalancerClass values this cloud's controller owns
  std::string_view internalClass;                 // a class that is internal by itself ("" = none)
  std::string_view publicClass;                   // a class that is public by itself ("" = none)
};

constexpr std::array<Cloud, 4> kClouds = {{
    {"AWS",
     {"service.beta.kubernetes.io/aws-", "service.kubernetes.io/aws-", ""},
     {"service.beta.kubernetes.io/aws-load-balancer-eip-allocations", "", "", "", ""},
     {"service.k8s.aws/nlb", ""},
     "",
     ""},
    {"Azure",
     {"service.beta.kubernetes.io/azure-", "", ""},
     {"service.beta.kubernetes.io/azure-pip-name", "service.beta.kubernetes.io/azure-pip-prefix-id",
      "service.beta.kubernetes.io/azure-dns-label-name", "service.beta.kubernetes.io/azure-pip-tags",
      "service.beta.kubernetes.io/azure-pip-ip-tags"},
     {"", ""},
     "",
     ""},
    {"Google Cloud",
     {"cloud.google.com/", "networking.gke.io/", ""},
     {"", "", "", "", ""},
     {"networking.gke.io/l4-regional-internal", "networking.gke.io/l4-regional-external"},
     "networking.gke.io/l4-regional-internal",
     "networking.gke.io/l4-regional-external"},
    {"Oracle Cloud",
     {"service.beta.kubernetes.io/oci-", "oci.oraclecloud.com/", "oci-network-load-balancer.oraclecloud.com/"},
     {"", "", "", "", ""},
     {"", ""},
     "",
     ""},
}};

bool startsWith(std::string_view text, std::string_view prefix) {
  return !prefix.empty() && text.substr(0, prefix.size()) == prefix;
}

// The cloud whose annotations start like `key`, or the key's own domain ("example.com/internal" ->
// "example.com") for a configured marker of another provider.
std::string familyOf(std::string_view key) {
  for (const auto& cloud : kClouds) {
    for (const auto prefix : cloud.prefixes) {
      if (startsWith(key, prefix)) return std::string(cloud.name);
    }
  }
  return std::string(key.substr(0, key.find('/')));
}

const Cloud* knownCloud(std::string_view family) {
  for (const auto& cloud : kClouds) {
    if (cloud.name == family) return &cloud;
  }
  return nullptr;
}

// What one cloud makes of the Service.
struct FamilyState {
  std::string family;
  std::string internalBy;     // the marker or class that makes it internal there
  std::string contradiction;  // why it is not internal after all
};

FamilyState& stateFor(std::vector<FamilyState>& states, const std::string& family) {
  for (auto& state : states) {
    if (state.family == family) return state;
  }
  states.push_back({family, "", ""});
  return states.back();
}

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

void addAnnotationFamilies(const ObjectView& service, const std::vector<InternalMarker>& markers,
                           std::vector<FamilyState>& states) {
  const Json* annotations = service.annotations();
  if (annotations == nullptr) return;
  for (const auto& [key, value] : annotations->items()) {
    const std::string family = familyOf(key);
    const Cloud* cloud = knownCloud(family);
    bool isMarkerKey = false;
    for (const auto& marker : markers) isMarkerKey = isMarkerKey || marker.key == key;
    if (cloud == nullptr && !isMarkerKey) continue;  // not a cloud's annotation (helm, prometheus, ...)
    FamilyState& state = stateFor(states, family);
    if (cloud != nullptr) {
      for (const auto publicKey : cloud->publicOnly) {
        if (!publicKey.empty() && key == publicKey) {
          state.contradiction = key + " asks " + family + " for a public address";
        }
      }
    }
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    for (const auto& marker : markers) {
      if (marker.key != key) continue;
      if (marker.anyValue || text == marker.value) {
        if (state.internalBy.empty()) state.internalBy = key + ": " + inQuotes(text);
      } else {
        state.contradiction = key + ": " + inQuotes(text) + " says the load balancer is not internal (" +
                              marker.key + ": " + inQuotes(marker.value) + " would)";
      }
    }
  }
}

// Adds the cloud that owns spec.loadBalancerClass; returns false when no known cloud owns it.
bool addClassFamily(std::string_view loadBalancerClass, std::vector<FamilyState>& states) {
  for (const auto& cloud : kClouds) {
    for (const auto owned : cloud.classes) {
      if (owned.empty() || owned != loadBalancerClass) continue;
      FamilyState& state = stateFor(states, std::string(cloud.name));
      if (loadBalancerClass == cloud.internalClass && state.internalBy.empty()) {
        state.internalBy = "loadBalancerClass " + inQuotes(loadBalancerClass);
      }
      if (loadBalancerClass == cloud.publicClass) {
        state.contradiction = "loadBalancerClass " + inQuotes(loadBalancerClass) + " is an external load balancer";
      }
      return true;
    }
  }
  return false;
}

}  // namespace

InternalMarker InternalMarker::parse(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) return {std::string(text), "", true};
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)), false};
}

InternalVerdict judgeInternal(const ObjectView& service, const std::vector<InternalMarker>& markers) {
  std::vector<FamilyState> states;
  addAnnotationFamilies(service, markers, states);
  bool anyMarker = false;
  for (const auto& state : states) anyMarker = anyMarker || !state.internalBy.empty();

  const Json* spec = objectField(&service.body(), "spec");
  if (const auto loadBalancerClass = stringField(spec, "loadBalancerClass")) {
    if (!addClassFamily(*loadBalancerClass, states)) {
      if (!anyMarker) return {};
      return {false, "loadBalancerClass " + inQuotes(*loadBalancerClass) +
                         " hands the Service to a controller that does not read cloud annotations"};
    }
    for (const auto& state : states) anyMarker = anyMarker || !state.internalBy.empty();
  }
  if (states.empty()) return {};
  for (const auto& state : states) {
    if (!state.contradiction.empty()) return {false, state.contradiction};
    if (state.internalBy.empty()) {
      if (!anyMarker) return {};
      return {false, "the Service also speaks to " + state.family + " and nothing marks it internal there"};
    }
  }
  return {true, ""};
}

}  // namespace agentguard::engine::exposure
