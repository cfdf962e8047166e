#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/controller/clock.h"
#include "operator/controller/projecting_client.h"
#include "operator/controller/work_queue.h"
#include "operator/events/event_recorder.h"
#include "operator/metrics/operator_metrics.h"
#include "operator/reconciler/cluster_view.h"
#include "operator/reconciler/reconciler.h"

namespace agentguard::op {

struct ControllerOptions {
  std::string ns;  // "" = every namespace
  int workers = 2;
  std::chrono::seconds resyncPeriod{300};
  ReconcilerOptions reconciler;
  WorkQueueOptions queue;
};

// Informers on AgentSandboxes, on the Pods and NetworkPolicies labelled app.kubernetes.io/managed-by=
// agentguard-operator (an event on one enqueues its owner), on RuntimeClasses (an event enqueues every sandbox
// asking for that class), on AgentSandboxClasses (an event enqueues every sandbox), and on the other
// NetworkPolicies and the Services (an event enqueues every sandbox of the namespace: they must not select a
// sandbox's Pod); a rate-limited work queue keyed namespace/name; N workers running the reconciler.
// Informers run on every replica (a standby has warm caches); workers act only while leading.
class Controller final : private ClusterView {
 public:
  // `watchClient` feeds the informers; `writeClient` is what the reconciler uses (throttled, leader-guarded).
  Controller(kube::KubeClient& watchClient, kube::KubeClient& writeClient, EventSink& events, OperatorMetrics* metrics,
             const Clock& clock, log::Logger& logger, ControllerOptions options);
  ~Controller() override;
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void start();
  bool waitForSync(std::chrono::milliseconds timeout) const;
  bool synced() const;
  // On gaining leadership every cached sandbox is enqueued; on losing it workers stop taking keys.
  void setLeading(bool leading);
  bool leading() const;
  void stop();

  size_t queueDepth() const { return queue_.depth(); }
  std::map<std::string, int> countByPhase() const;

 private:
  std::vector<kube::SharedObject> sandboxes(const std::string& ns) const override;
  kube::SharedObject sandbox(const std::string& ns, const std::string& name) const override;
  kube::SharedObject pod(const std::string& ns, const std::string& name) const override;
  kube::SharedObject networkPolicy(const std::string& ns, const std::string& name) const override;
  kube::SharedObject runtimeClass(const std::string& name) const override;
  std::vector<kube::SharedObject> otherNetworkPolicies(const std::string& ns) const override;
  std::vector<kube::SharedObject> services(const std::string& ns) const override;
  std::vector<kube::SharedObject> sandboxClasses() const override;

  void enqueueObject(const kube::SharedObject& object);
  void enqueueOwner(const kube::SharedObject& object);
  void enqueueForRuntimeClass(const kube::SharedObject& runtimeClass);
  void enqueueNamespaceOf(const kube::SharedObject& object);
  void enqueueAll();
  void work();
  void process(const std::string& key);

  const Clock& clock_;
  log::Logger& logger_;
  const ControllerOptions options_;
  OperatorMetrics* metrics_;
  WorkQueue queue_;
  std::unique_ptr<kube::KubeClient> commonProjection_;
  std::unique_ptr<kube::KubeClient> podProjection_;
  std::unique_ptr<kube::KubeClient> selectorProjection_;
  std::unique_ptr<kube::Informer> sandboxes_;
  std::unique_ptr<kube::Informer> pods_;
  std::unique_ptr<kube::Informer> networkPolicies_;
  std::unique_ptr<kube::Informer> runtimeClasses_;
  // NetworkPolicies not made by the operator, and Services: a change wakes every sandbox of their namespace.
  std::unique_ptr<kube::Informer> otherNetworkPolicies_;
  std::unique_ptr<kube::Informer> services_;
  std::unique_ptr<kube::Informer> sandboxClasses_;  // an event re-evaluates every sandbox (defaults may move)
  RecentWrites writes_;
  Reconciler reconciler_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool leading_ = false;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace agentguard::op
