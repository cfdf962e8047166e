#pragma once

#include <vector>

#include "common/decision/checkpoint_sink.h"
#include "common/kube/kube_client.h"
#include "webhook/options/webhook_flags.h"

namespace agentguard::webhook {

// The checkpoint sinks the flags ask for (--decision-checkpoint-file, -url, -configmap), in that order.
std::vector<decision::CheckpointSinkPtr> checkpointSinksFor(const WebhookFlags& flags, kube::KubeClient& client);

}  // namespace agentguard::webhook
