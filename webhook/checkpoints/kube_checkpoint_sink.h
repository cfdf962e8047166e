#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/decision/checkpoint_sink.h"
#include "common/kube/kube_client.h"
#include "common/time/clock.h"

namespace agentguard::webhook {

// Publishes checkpoints into the cluster: the newest note per origin under `data.<origin>` of an
// existing ConfigMap (a JSON merge patch, so each replica touches only its own key and needs only
// `patch` on that one ConfigMap by name), and one Event per checkpoint about that ConfigMap (reason
// DecisionLogCheckpoint, the note as its message), kept by the API server for its event TTL.
class KubeCheckpointSink final : public decision::CheckpointSink {
 public:
  KubeCheckpointSink(kube::KubeClient& client, std::string ns, std::string configMap,
                     const time::Clock& clock = time::systemClock())
      : client_(client), namespace_(std::move(ns)), configMap_(std::move(configMap)), clock_(clock) {}
  std::string describe() const override { return "ConfigMap " + namespace_ + "/" + configMap_; }
  Status publish(const decision::Checkpoint& checkpoint, std::string_view note) override;

 private:
  kube::KubeClient& client_;
  std::string namespace_;
  std::string configMap_;
  const time::Clock& clock_;
};

}  // namespace agentguard::webhook
