#include "webhook/checkpoints/checkpoint_sinks.h"

#include "webhook/checkpoints/http_checkpoint_sink.h"
#include "webhook/checkpoints/kube_checkpoint_sink.h"

namespace agentguard::webhook {

std::vector<decision::CheckpointSinkPtr> checkpointSinksFor(const WebhookFlags& flags, kube::KubeClient& client) {
  std::vector<decision::CheckpointSinkPtr> sinks;
  if (!flags.decisionCheckpointFile.empty()) {
    sinks.push_back(std::make_unique<decision::FileCheckpointSink>(flags.decisionCheckpointFile));
  }
  if (!flags.decisionCheckpointUrl.empty()) sinks.push_back(std::make_unique<HttpCheckpointSink>(flags.decisionCheckpointUrl));
  if (!flags.decisionCheckpointConfigMap.empty()) {
    const auto slash = flags.decisionCheckpointConfigMap.find('/');
    sinks.push_back(std::make_unique<KubeCheckpointSink>(client, flags.decisionCheckpointConfigMap.substr(0, slash),
                                                         flags.decisionCheckpointConfigMap.substr(slash + 1)));
  }
  return sinks;
}

}  // namespace agentguard::webhook
