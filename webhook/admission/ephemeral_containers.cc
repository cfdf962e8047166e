#include "webhook/admission/ephemeral_containers.h"

#include <set>
#include <string>
#include <utility>

namespace agentguard::webhook {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kEphemeralList = "spec.ephemeralContainers";
constexpr std::string_view kPodSecurityContext = "spec.securityContext";

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// `prefix` followed by the end or a field separator: "spec.securityContext" matches
// "spec.securityContext.runAsNonRoot", not "spec.securityContextX".
bool under(std::string_view path, std::string_view prefix) {
  return startsWith(path, prefix) &&
         (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
}

// The Pod without containers of any kind: what the pod alone makes the rules say.
Json withoutContainers(const Json& pod) {
  Json bare = pod;
  Json& spec = bare["spec"];
  if (!spec.is_object()) spec = Json::object();
  spec["containers"] = Json::array();
  spec.erase("initContainers");
  spec.erase("ephemeralContainers");
  return bare;
}

std::string containerName(const Json& container) {
  const auto name = container.find("name");
  return name != container.end() && name->is_string() ? name->get<std::string>() : std::string();
}

// Moves a finding about the probe's only ephemeral container (index 0) to container `index`.
void attribute(engine::Finding& finding, size_t index, const std::string& name) {
  const std::string target = std::string(kEphemeralList) + "[" + std::to_string(index) + "]";
  const std::string probe = std::string(kEphemeralList) + "[0]";
  if (under(finding.path, probe)) {
    finding.path = target + finding.path.substr(probe.size());
    return;
  }
  // Reported at the pod level but caused by the container: it inherits the pod's setting.
  const std::string where = under(finding.path, kPodSecurityContext)
                                ? target + ".securityContext" + finding.path.substr(kPodSecurityContext.size())
                                : target;
  finding.fix += "; a running Pod's spec cannot change, so set it on ephemeral container \"" + name + "\" (" + where +
                 ")";
  finding.path = where;
}

}  // namespace

engine::Findings judgeEphemeralContainers(const engine::Engine& engine, const Json& pod,
                                          const engine::EvaluationContext& context) {
  engine::Findings findings;
  const auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return findings;
  const auto list = spec->find("ephemeralContainers");
  if (list == spec->end() || !list->is_array() || list->empty()) return findings;

  const Json bare = withoutContainers(pod);
  std::set<std::pair<std::string, std::string>> podOwn;  // (rule, path) the pod reports on its own
  for (const auto& finding : engine.evaluate(bare, context)) podOwn.emplace(finding.rule, finding.path);

  for (size_t i = 0; i < list->size(); ++i) {
    Json probe = bare;
    probe["spec"]["ephemeralContainers"] = Json::array({(*list)[i]});
    const std::string name = (*list)[i].is_object() ? containerName((*list)[i]) : std::string();
    for (auto& finding : engine.evaluate(probe, context)) {
      const bool aboutContainer = under(finding.path, std::string(kEphemeralList) + "[0]");
      if (!aboutContainer && podOwn.count({finding.rule, finding.path}) != 0) continue;
      attribute(finding, i, name);
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

Json podWithEphemeralContainers(Json livePod, const Json& ephemeralContainersObject) {
  Json& spec = livePod["spec"];
  if (!spec.is_object()) spec = Json::object();
  const auto list = ephemeralContainersObject.find("ephemeralContainers");
  if (list != ephemeralContainersObject.end() && list->is_array()) {
    spec["ephemeralContainers"] = *list;
  } else {
    spec.erase("ephemeralContainers");
  }
  if (!livePod.contains("apiVersion")) livePod["apiVersion"] = "v1";
  if (!livePod.contains("kind")) livePod["kind"] = "Pod";
  return livePod;
}

}  // namespace agentguard::webhook
