#include "operator/controller/controller.h"

#include "common/kube/resource.h"
#include "operator/api/agent_sandbox.h"
#include "operator/builders/owned_objects.h"

namespace agentguard::op {

using nlohmann::json;

namespace {

std::string keyOf(const json& object) {
  const json& metadata = object.contains("metadata") ? object["metadata"] : json::object();
  return metadata.value("namespace", "") + "/" + metadata.value("name", "");
}

// What in an AgentSandbox makes it worth reconciling again: not our own status writes, nor our finalizer.
json interestingParts(const json& object) {
  const json metadata = object.value("metadata", json::object());
  json finalizers = metadata.value("finalizers", json::array());
  if (finalizers.is_array()) {
    json others = json::array();
    for (const json& finalizer : finalizers) {
      if (finalizer != kFinalizer) others.push_back(finalizer);
    }
    finalizers = others;
  }
  return {{"spec", object.value("spec", json())},
          {"generation", metadata.value("generation", json())},
          {"deletionTimestamp", metadata.value("deletionTimestamp", json())},
          {"finalizers", finalizers}};
}

std::string managedSelector() { return std::string(kManagedByLabel) + "=" + std::string(kManagedByValue); }

}  // namespace

Controller::Controller(kube::KubeClient& watchClient, kube::KubeClient& writeClient, EventSink& events,
                       OperatorMetrics* metrics, const Clock& clock, log::Logger& logger, ControllerOptions options)
    : clock_(clock),
      logger_(logger),
      options_(std::move(options)),
      metrics_(metrics),
      queue_(clock, options_.queue),
      reconciler_(*this, writes_, writeClient, events, metrics, clock, logger, options_.reconciler) {
  // The caches hold trimmed objects (see projecting_client.h); pages are small so a relist of thousands of
  // objects does not spike memory.
  commonProjection_ = std::make_unique<ProjectingClient>(watchClient, projectCommon);
  podProjection_ = std::make_unique<ProjectingClient>(watchClient, projectPod);
  selectorProjection_ = std::make_unique<ProjectingClient>(watchClient, projectSelecting);
  kube::InformerOptions sandboxOptions;
  sandboxOptions.ns = options_.ns;
  sandboxOptions.resyncPeriod = options_.resyncPeriod;
  sandboxOptions.pageSize = 100;
  sandboxes_ =
      std::make_unique<kube::Informer>(*commonProjection_, kube::resources::agentSandboxes(), sandboxOptions, logger);

  kube::InformerOptions ownedOptions;
  ownedOptions.ns = options_.ns;
  ownedOptions.labelSelector = managedSelector();
  ownedOptions.resyncPeriod = std::chrono::seconds(0);
  ownedOptions.pageSize = 100;
  pods_ = std::make_unique<kube::Informer>(*podProjection_, kube::resources::pods(), ownedOptions, logger);
  networkPolicies_ =
      std::make_unique<kube::Informer>(*commonProjection_, kube::resources::networkPolicies(), ownedOptions, logger);

  kube::InformerOptions othersOptions;
  othersOptions.ns = options_.ns;
  othersOptions.labelSelector = std::string(kManagedByLabel) + "!=" + std::string(kManagedByValue);
  othersOptions.resyncPeriod = std::chrono::seconds(0);
  othersOptions.pageSize = 100;
  otherNetworkPolicies_ = std::make_unique<kube::Informer>(*selectorProjection_, kube::resources::networkPolicies(),
                                                           othersOptions, logger);
  kube::InformerOptions serviceOptions = othersOptions;
  serviceOptions.labelSelector.clear();
  services_ = std::make_unique<kube::Informer>(*selectorProjection_, kube::resources::services(), serviceOptions, logger);

  kube::InformerOptions classOptions;
  classOptions.resyncPeriod = std::chrono::seconds(0);
  runtimeClasses_ =
      std::make_unique<kube::Informer>(*commonProjection_, kube::resources::runtimeClasses(), classOptions, logger);
  sandboxClasses_ = std::make_unique<kube::Informer>(*commonProjection_, kube::resources::agentSandboxClasses(),
                                                     classOptions, logger);

  if (metrics_ != nullptr) {
    queue_.setDepthObserver([metrics](size_t depth) { metrics->setQueueDepth(depth); });
  }
}

Controller::~Controller() { stop(); }

void Controller::start() {
  using Kind = RecentWrites::Kind;
  sandboxes_->addHandlers(
      {[this](const kube::SharedObject& object) {
         writes_.observe(Kind::kSandbox, *object, false);
         enqueueObject(object);
       },
       [this](const kube::SharedObject& previous, const kube::SharedObject& current) {
         writes_.observe(Kind::kSandbox, *current, false);
         const bool resync = previous == current || previous->value("metadata", json::object()).value("resourceVersion", "") ==
                                                        current->value("metadata", json::object()).value("resourceVersion", "");
         if (resync || interestingParts(*previous) != interestingParts(*current)) enqueueObject(current);
       },
       [this](const kube::SharedObject& object) {
         writes_.observe(Kind::kSandbox, *object, true);
         enqueueObject(object);
       }});
  auto owned = [this](Kind kind) {
    return kube::InformerHandlers{
        [this, kind](const kube::SharedObject& object) {
          writes_.observe(kind, *object, false);
          enqueueOwner(object);
        },
        [this, kind](const kube::SharedObject&, const kube::SharedObject& current) {
          writes_.observe(kind, *current, false);
          enqueueOwner(current);
        },
        [this, kind](const kube::SharedObject& object) {
          writes_.observe(kind, *object, true);
          enqueueOwner(object);
        }};
  };
  pods_->addHandlers(owned(Kind::kPod));
  networkPolicies_->addHandlers(owned(Kind::kNetworkPolicy));
  runtimeClasses_->addHandlers(
      {[this](const kube::SharedObject& object) { enqueueForRuntimeClass(object); },
       [this](const kube::SharedObject&, const kube::SharedObject& current) { enqueueForRuntimeClass(current); },
       [this](const kube::SharedObject& object) { enqueueForRuntimeClass(object); }});
  sandboxClasses_->addHandlers({[this](const kube::SharedObject&) { enqueueAll(); },
                                [this](const kube::SharedObject&, const kube::SharedObject&) { enqueueAll(); },
                                [this](const kube::SharedObject&) { enqueueAll(); }});
  auto namespaceWide = [this] {
    return kube::InformerHandlers{
        [this](const kube::SharedObject& object) { enqueueNamespaceOf(object); },
        [this](const kube::SharedObject&, const kube::SharedObject& current) { enqueueNamespaceOf(current); },
        [this](const kube::SharedObject& object) { enqueueNamespaceOf(object); }};
  };
  otherNetworkPolicies_->addHandlers(namespaceWide());
  services_->addHandlers(namespaceWide());
  otherNetworkPolicies_->start();
  services_->start();
  runtimeClasses_->start();
  sandboxClasses_->start();
  networkPolicies_->start();
  pods_->start();
  sandboxes_->start();
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { work(); });
}

bool Controller::synced() const {
  return sandboxes_->hasSynced() && pods_->hasSynced() && networkPolicies_->hasSynced() &&
         runtimeClasses_->hasSynced() && otherNetworkPolicies_->hasSynced() && services_->hasSynced() &&
         sandboxClasses_->hasSynced();
}

bool Controller::waitForSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void Controller::setLeading(bool leading) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leading_ = leading;
  }
  changed_.notify_all();
  if (leading) enqueueAll();
}

bool Controller::leading() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leading_;
}

void Controller::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  queue_.shutDown();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  sandboxes_->stop();
  pods_->stop();
  networkPolicies_->stop();
  runtimeClasses_->stop();
  otherNetworkPolicies_->stop();
  services_->stop();
  sandboxClasses_->stop();
}

kube::SharedObject Controller::sandbox(const std::string& ns, const std::string& name) const {
  return sandboxes_->get(ns, name);
}
std::vector<kube::SharedObject> Controller::sandboxes(const std::string& ns) const { return sandboxes_->list(ns); }
kube::SharedObject Controller::pod(const std::string& ns, const std::string& name) const {
  return pods_->get(ns, name);
}
kube::SharedObject Controller::networkPolicy(const std::string& ns, const std::string& name) const {
  return networkPolicies_->get(ns, name);
}
kube::SharedObject Controller::runtimeClass(const std::string& name) const { return runtimeClasses_->get("", name); }
std::vector<kube::SharedObject> Controller::otherNetworkPolicies(const std::string& ns) const {
  return otherNetworkPolicies_->list(ns);
}
std::vector<kube::SharedObject> Controller::services(const std::string& ns) const { return services_->list(ns); }
std::vector<kube::SharedObject> Controller::sandboxClasses() const { return sandboxClasses_->list(); }

void Controller::enqueueObject(const kube::SharedObject& object) {
  if (object) queue_.add(keyOf(*object));
}

void Controller::enqueueOwner(const kube::SharedObject& object) {
  if (!object) return;
  std::string owner = controllingSandboxName(*object);
  if (owner.empty()) {
    const json labels = object->value("metadata", json::object()).value("labels", json::object());
    if (labels.is_object()) owner = labels.value(std::string(kSandboxLabel), "");
  }
  if (owner.empty()) return;
  queue_.add(object->value("metadata", json::object()).value("namespace", "") + "/" + owner);
}

void Controller::enqueueForRuntimeClass(const kube::SharedObject& runtimeClass) {
  if (!runtimeClass) return;
  // The sandbox's AgentSandboxClass may name the RuntimeClass: every sandbox looks again.
  enqueueAll();
}

void Controller::enqueueNamespaceOf(const kube::SharedObject& object) {
  if (!object) return;
  const std::string ns = object->value("metadata", json::object()).value("namespace", "");
  for (const kube::SharedObject& sandbox : sandboxes_->list(ns)) queue_.add(keyOf(*sandbox));
}

void Controller::enqueueAll() {
  for (const kube::SharedObject& object : sandboxes_->list(options_.ns)) queue_.add(keyOf(*object));
}

std::map<std::string, int> Controller::countByPhase() const {
  std::map<std::string, int> counts;
  for (const kube::SharedObject& object : sandboxes_->list(options_.ns)) {
    std::string phase = object->value("status", json::object()).value("phase", "");
    ++counts[phase.empty() ? "Pending" : phase];
  }
  return counts;
}

void Controller::work() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || leading_; });
      if (stopping_) return;
    }
    std::optional<std::string> key = queue_.get();
    if (!key) return;
    if (!leading()) {
      // Lost the lease while waiting: leave the key for whoever leads next here.
      queue_.done(*key);
      queue_.add(*key);
      continue;
    }
    process(*key);
  }
}

void Controller::process(const std::string& key) {
  const auto started = std::chrono::steady_clock::now();
  const size_t slash = key.find('/');
  ReconcileResult result;
  try {
    result = reconciler_.reconcile(key.substr(0, slash), key.substr(slash + 1));
  } catch (const std::exception& e) {
    result.error = makeError(ErrorCode::kInternal, std::string("reconcile threw: ") + e.what());
  }
  if (result.error) {
    const auto delay = queue_.addRateLimited(key, result.error->retryAfter.value_or(std::chrono::milliseconds(0)));
    const bool quiet = result.error->code == ErrorCode::kConflict || result.error->code == ErrorCode::kUnavailable;
    logger_.log(quiet ? log::Level::kInfo : log::Level::kWarn, "Requeued AgentSandbox after an error",
                {{"agentSandbox", key},
                 {"error", result.error->describe()},
                 {"retryInMs", static_cast<int64_t>(delay.count())}});
  } else {
    queue_.forget(key);
    if (result.requeueAfter) queue_.addAfter(key, *result.requeueAfter);
  }
  if (metrics_ != nullptr) {
    metrics_->observeReconcile(result.label(),
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  queue_.done(key);
}

}  // namespace agentguard::op
