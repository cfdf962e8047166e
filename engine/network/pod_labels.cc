#include "engine/network/pod_labels.h"

#include "engine/workload/object_view.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// Labels the Job API's defaulting puts on every pod template of a Job that does not set them itself
// (a template's own value stays; the API refuses one that contradicts the generated selector). `name`
// and `uid` are empty when unknown: a CronJob's Jobs get generated names, a new Job has no uid yet.
void addJobLabels(const Json* jobSpec, std::string_view name, std::string_view uid, PodLabels& labels) {
  if (!boolField(jobSpec, "manualSelector").value_or(false)) {
    for (const char* key : {"job-name", "batch.kubernetes.io/job-name"}) {
      if (labels.find(key) != nullptr) continue;
      if (name.empty()) {
        labels.setVarying(key);
      } else {
        labels.set(key, std::string(name));
      }
    }
    for (const char* key : {"controller-uid", "batch.kubernetes.io/controller-uid"}) {
      if (labels.find(key) != nullptr) continue;
      if (uid.empty()) {
        labels.setVarying(key);
      } else {
        labels.set(key, std::string(uid));
      }
    }
  }
  if (stringField(jobSpec, "completionMode").value_or("") == "Indexed") {
    labels.setVarying("batch.kubernetes.io/job-completion-index");
  }
}

void addControllerLabels(const ObjectView& object, PodLabels& labels) {
  const std::string& kind = object.kind();
  const Json* spec = objectField(&object.body(), "spec");
  if (kind == "Deployment") {
    labels.setVarying("pod-template-hash");
  } else if (kind == "StatefulSet") {
    labels.setVarying("controller-revision-hash");
    labels.setVarying("statefulset.kubernetes.io/pod-name");
    labels.setVarying("apps.kubernetes.io/pod-index");
  } else if (kind == "DaemonSet") {
    labels.setVarying("controller-revision-hash");
    labels.setVarying("pod-template-generation");
  } else if (kind == "Job") {
    const auto uid = stringField(objectField(&object.body(), "metadata"), "uid").value_or("");
    addJobLabels(spec, object.name(), uid, labels);
  } else if (kind == "CronJob") {
    addJobLabels(objectField(objectField(spec, "jobTemplate"), "spec"), "", "", labels);
  }
}

}  // namespace

PodLabels PodLabels::exactly(const Json* labels) {
  PodLabels result;
  if (labels == nullptr || !labels->is_object()) return result;
  for (const auto& [key, value] : labels->items()) {
    if (value.is_string()) result.set(key, value.get<std::string>());
  }
  return result;
}

const PodLabels::Value* PodLabels::find(std::string_view key) const {
  const auto it = labels_.find(key);
  return it == labels_.end() ? nullptr : &it->second;
}

std::string PodLabels::describe() const {
  std::string text = "{";
  for (const auto& [key, value] : labels_) {
    if (text.size() > 1) text += ", ";
    text += key + ": " + (value.varies ? std::string("<varies>") : value.text);
  }
  return text + "}";
}

PodLabels podLabelsOf(const ObjectView& object) {
  const PodTemplateRef* pod = object.podTemplate();
  PodLabels labels = PodLabels::exactly(pod == nullptr ? nullptr : objectField(pod->metadata, "labels"));
  addControllerLabels(object, labels);
  return labels;
}

}  // namespace agentguard::engine
