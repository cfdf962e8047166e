#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agentguard::engine {

class ObjectView;

// The labels every pod an object creates will carry. A label is known (the same value on every pod),
// varying (present on every pod, with a value agentguard cannot know in advance or that differs from pod
// to pod, like pod-template-hash or statefulset.kubernetes.io/pod-name) or absent.
class PodLabels {
 public:
  struct Value {
    bool varies = false;  // true: present, value unknown or per pod
    std::string text;     // the value when it does not vary
  };

  // Labels read from a metadata.labels mapping (non-string values are ignored, as the API refuses them).
  static PodLabels exactly(const nlohmann::json* labels);

  void set(std::string key, std::string value) { labels_[std::move(key)] = {false, std::move(value)}; }
  void setVarying(std::string key) { labels_[std::move(key)] = {true, ""}; }
  // Null when the pods do not carry the label.
  const Value* find(std::string_view key) const;
  const std::map<std::string, Value, std::less<>>& all() const { return labels_; }
  // "{app: web, pod-template-hash: <varies>}" for messages.
  std::string describe() const;

 private:
  std::map<std::string, Value, std::less<>> labels_;
};

// The labels of the pods `object` creates: its pod template's labels, with those the object's controller
// adds, which override the template's (except Job labels the template sets itself):
//   Deployment   pod-template-hash
//   StatefulSet  controller-revision-hash, statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index
//   DaemonSet    controller-revision-hash, pod-template-generation
//   Job, CronJob job-name, batch.kubernetes.io/job-name, controller-uid, batch.kubernetes.io/controller-uid
//                (unless spec.manualSelector), batch.kubernetes.io/job-completion-index (Indexed only)
// A Pod's own labels are exact.
PodLabels podLabelsOf(const ObjectView& object);

}  // namespace agentguard::engine
