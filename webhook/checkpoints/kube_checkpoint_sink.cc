#include "webhook/checkpoints/kube_checkpoint_sink.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "common/kube/resource.h"
#include "common/time/rfc3339.h"

namespace agentguard::webhook {
namespace {

constexpr std::string_view kEventReason = "DecisionLogCheckpoint";
constexpr std::string_view kComponent = "agentguard-webhook";

}  // namespace

Status KubeCheckpointSink::publish(const decision::Checkpoint& checkpoint, std::string_view note) {
  // The origin is a host name; a ConfigMap key allows [-._a-zA-Z0-9], so anything else becomes '_'.
  std::string key = checkpoint.origin;
  for (char& c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
  }
  const nlohmann::json patch = {{"data", {{key, std::string(note)}}}};
  Result<nlohmann::json> patched = client_.mergePatch(kube::resources::configMaps(), namespace_, configMap_, patch);
  if (!patched) {
    return makeError(patched.error().code, "ConfigMap " + namespace_ + "/" + configMap_ +
                                               " could not be updated with the checkpoint: " + patched.error().message);
  }
  const std::string now = time::formatRfc3339(clock_.wallNow());
  const nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", configMap_ + "-"}, {"namespace", namespace_}}},
      {"involvedObject",
       {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"namespace", namespace_}, {"name", configMap_},
        {"uid", (*patched)["metadata"].value("uid", "")}}},
      {"reason", kEventReason},
      {"message", std::string(note)},
      {"type", "Normal"},
      {"source", {{"component", kComponent}, {"host", checkpoint.origin}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
  };
  Result<nlohmann::json> created = client_.create(kube::resources::events(), namespace_, event);
  if (!created) {
    return makeError(created.error().code, "Event for the checkpoint of " + checkpoint.origin + " at size " +
                                               std::to_string(checkpoint.size) +
                                               " could not be created: " + created.error().message);
  }
  return okStatus();
}

}  // namespace agentguard::webhook
