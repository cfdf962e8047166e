#pragma once

#include <memory>

#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "webhook/cache/network_policy_cache.h"

namespace agentguard::webhook {

// An informer on networking.k8s.io/v1 networkpolicies in every namespace feeding `cache`, started.
// `client`, `cache` and `logger` must outlive the returned informer.
std::unique_ptr<kube::Informer> startNetworkPolicyInformer(kube::KubeClient& client, NetworkPolicyCache& cache,
                                                           log::Logger& logger);

}  // namespace agentguard::webhook
