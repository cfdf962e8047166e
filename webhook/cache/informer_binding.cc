#include "webhook/cache/informer_binding.h"

namespace agentguard::webhook {

std::unique_ptr<kube::Informer> startNetworkPolicyInformer(kube::KubeClient& client, NetworkPolicyCache& cache,
                                                           log::Logger& logger) {
  kube::InformerOptions options;  // every namespace
  auto informer = std::make_unique<kube::Informer>(client, kube::resources::networkPolicies(), options, logger);
  kube::InformerHandlers handlers;
  handlers.onAdd = [&cache](const kube::SharedObject& policy) { cache.upsert(policy); };
  handlers.onUpdate = [&cache](const kube::SharedObject&, const kube::SharedObject& policy) { cache.upsert(policy); };
  handlers.onDelete = [&cache](const kube::SharedObject& policy) { cache.remove(policy); };
  informer->addHandlers(std::move(handlers));
  const kube::Informer* watched = informer.get();
  cache.setFeedState([watched] { return NetworkPolicyCache::FeedState{watched->hasSynced(), watched->connected()}; });
  informer->start();
  return informer;
}

}  // namespace agentguard::webhook
