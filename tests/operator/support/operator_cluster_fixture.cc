#include "tests/operator/support/operator_cluster_fixture.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "common/kube/cluster_config.h"
#include "common/kube/resource.h"

namespace agentguard::op::testing {

using nlohmann::json;

namespace {

std::string labelOf(const json& object, const std::string& key) {
  const json metadata = object.value("metadata", json::object());
  const json labels = metadata.value("labels", json::object());
  return labels.is_object() ? labels.value(key, "") : "";
}

std::string metadataString(const json& object, const char* key) {
  return object.value("metadata", json::object()).value(key, "");
}

uint64_t revisionOf(const json& object) {
  const std::string text = metadataString(object, "resourceVersion");
  return text.empty() ? 0 : std::stoull(text);
}

std::string randomSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device random;
  return std::to_string(random() % 100000) + std::to_string(counter++);
}

std::string toLowerDns(std::string text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out.substr(0, 40);
}

// Merges `patch` into `target` (objects recursively, everything else replaced).
void mergeInto(json& target, const json& patch) {
  for (const auto& [key, value] : patch.items()) {
    if (value.is_object() && target.contains(key) && target[key].is_object()) {
      mergeInto(target[key], value);
    } else {
      target[key] = value;
    }
  }
}

}  // namespace

InvariantChecker::InvariantChecker(kube::KubeClient& client, const std::string& ns, log::Logger& logger)
    : client_(client), ns_(ns) {
  kube::InformerOptions options;
  options.ns = ns;
  options.resyncPeriod = std::chrono::seconds(0);
  pods_ = std::make_unique<kube::Informer>(client, kube::resources::pods(), options, logger);
  policies_ = std::make_unique<kube::Informer>(client, kube::resources::networkPolicies(), options, logger);
  pods_->addHandlers({[this](const kube::SharedObject& o) { record(o, true, true); },
                      [this](const kube::SharedObject&, const kube::SharedObject& o) { record(o, true, true); },
                      [this](const kube::SharedObject& o) { record(o, true, false); }});
  policies_->addHandlers({[this](const kube::SharedObject& o) { record(o, false, true); },
                          [this](const kube::SharedObject&, const kube::SharedObject& o) { record(o, false, true); },
                          [this](const kube::SharedObject& o) { record(o, false, false); }});
  pods_->start();
  policies_->start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((!pods_->hasSynced() || !policies_->hasSynced()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

InvariantChecker::~InvariantChecker() {
  pods_->stop();
  policies_->stop();
}

void InvariantChecker::record(const kube::SharedObject& object, bool pod, bool exists) {
  const std::string sandbox = labelOf(*object, "agentguard.io/sandbox");
  if (sandbox.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  records_.push_back({revisionOf(*object), pod, exists, sandbox, metadataString(*object, "name")});
}

void InvariantChecker::excuse(const std::string& sandbox) {
  std::lock_guard<std::mutex> lock(mutex_);
  excused_.insert(sandbox);
}

bool InvariantChecker::caughtUp(kube::KubeClient& client) {
  for (const auto* kind : {&kube::resources::pods(), &kube::resources::networkPolicies()}) {
    auto listed = client.list(*kind, ns_);
    if (!listed.ok()) return false;
    std::map<std::string, std::string> live;
    for (const json& item : listed->items) live[metadataString(item, "name")] = metadataString(item, "resourceVersion");
    std::map<std::string, std::string> cached;
    for (const auto& item : (kind == &kube::resources::pods() ? pods_ : policies_)->list(ns_)) {
      cached[metadataString(*item, "name")] = metadataString(*item, "resourceVersion");
    }
    if (live != cached) return false;
  }
  return true;
}

std::vector<std::string> InvariantChecker::verify(std::chrono::milliseconds deadline) {
  std::vector<std::string> violations;
  if (!agentguard::testing::waitFor([&] { return caughtUp(client_); }, deadline, std::chrono::milliseconds(100))) {
    violations.push_back("the invariant checker's watches did not catch up with the API server");
  }
  std::vector<Record> records;
  std::set<std::string> excused;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    records = records_;
    excused = excused_;
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.revision < b.revision; });
  std::map<std::string, std::set<std::string>> pods;      // sandbox -> pod names existing
  std::map<std::string, std::set<std::string>> policies;  // sandbox -> policy names existing
  for (const Record& r : records) {
    auto& set = r.pod ? pods[r.sandbox] : policies[r.sandbox];
    if (r.exists) {
      set.insert(r.name);
    } else {
      set.erase(r.name);
    }
    if (!pods[r.sandbox].empty() && policies[r.sandbox].empty() && excused.count(r.sandbox) == 0) {
      violations.push_back("at revision " + std::to_string(r.revision) + " Pod " + *pods[r.sandbox].begin() +
                           " of sandbox " + r.sandbox + " existed without its NetworkPolicy");
    }
  }
  return violations;
}

InvariantChecker::Lifetime InvariantChecker::podLifetime(const std::string& sandbox) const {
  Lifetime lifetime;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Record& r : records_) {
    if (!r.pod || r.sandbox != sandbox) continue;
    if (r.exists && (lifetime.created == 0 || r.revision < lifetime.created)) lifetime.created = r.revision;
    if (!r.exists) lifetime.deleted = std::max(lifetime.deleted, r.revision);
  }
  return lifetime;
}

InvariantChecker::Lifetime InvariantChecker::policyLifetime(const std::string& sandbox) const {
  Lifetime lifetime;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Record& r : records_) {
    if (r.pod || r.sandbox != sandbox) continue;
    if (r.exists && (lifetime.created == 0 || r.revision < lifetime.created)) lifetime.created = r.revision;
    if (!r.exists) lifetime.deleted = std::max(lifetime.deleted, r.revision);
  }
  return lifetime;
}

int InvariantChecker::podCreations(const std::string& sandbox) const {
  std::set<std::string> seen;  // name@first revision of each Pod incarnation
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, bool> live;
  int creations = 0;
  std::vector<Record> records = records_;
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.revision < b.revision; });
  for (const Record& r : records) {
    if (!r.pod || r.sandbox != sandbox) continue;
    if (r.exists && !live[r.name]) ++creations;
    live[r.name] = r.exists;
  }
  return creations;
}

// ---------------------------------------------------------------------------------------------------------------

void OperatorClusterTest::SetUp() {
  LocalClusterTest::SetUp();
  if (HasFatalFailure()) return;
  static bool crdReady = false;
  if (!crdReady) {
    for (const char* name : {"agentsandboxes", "agentsandboxclasses"}) {
      const std::string crd = std::string(AGENTGUARD_SOURCE_DIR) + "/crds/agentguard.io_" + name + ".yaml";
      auto created = cluster().kubectl({"create", "-f", crd});
      if (created.exitCode != 0 && created.err.find("AlreadyExists") == std::string::npos) {
        auto replaced = cluster().kubectl({"replace", "-f", crd});
        ASSERT_EQ(replaced.exitCode, 0) << replaced.err;
      }
      ASSERT_TRUE(cluster().waitForCrdEstablished(std::string(name) + ".agentguard.io"))
          << "CRD " << name << ".agentguard.io never became Established";
    }
    crdReady = true;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  ns_ = "op-" + toLowerDns(info->name()) + "-" + randomSuffix();
  auto created = cluster().kubectl({"create", "namespace", ns_});
  ASSERT_EQ(created.exitCode, 0) << created.err;
  ASSERT_TRUE(cluster().waitForDefaultServiceAccount(ns_)) << "ServiceAccount default never appeared in " << ns_;
  auto config = kube::loadKubeconfig(cluster().kubeconfigPath());
  ASSERT_TRUE(config.ok()) << config.error().describe();
  auto client = kube::makeKubeClient(*config);
  ASSERT_TRUE(client.ok()) << client.error().describe();
  client_ = std::move(client).value();
  ensureRuntimeClass("gvisor");
  ensureSandboxClass(std::string(kTestDefaultClass), testDefaultClassSpec(), /*isDefault=*/true);
  checker_ = std::make_unique<InvariantChecker>(*client_, ns_, logger_);
}

void OperatorClusterTest::TearDown() {
  if (checker_) {
    for (const std::string& violation : checker_->verify()) ADD_FAILURE() << "Invariant broken: " << violation;
  }
  stopOperators();
  checker_.reset();
  for (const std::string& name : runtimeClasses_) deleteRuntimeClass(name);
  for (const std::string& name : sandboxClasses_) {
    (void)client_->remove(kube::resources::agentSandboxClasses(), "", name);
  }
  if (!ns_.empty() && client_) {
    // Let the operator-less cleanup go: strip finalizers so the namespace can be deleted.
    for (const auto* kind : {&kube::resources::agentSandboxes(), &kube::resources::networkPolicies()}) {
      auto listed = client_->list(*kind, ns_);
      if (!listed.ok()) continue;
      for (const json& item : listed->items) {
        (void)client_->mergePatch(*kind, ns_, metadataString(item, "name"), {{"metadata", {{"finalizers", nullptr}}}});
      }
    }
    (void)cluster().kubectl({"delete", "namespace", ns_, "--wait=false"});
  }
  if (HasFailure()) std::fprintf(stderr, "---- operator logs ----\n%s\n", logs_.str().c_str());
}

OperatorOptions OperatorClusterTest::defaultOptions() const {
  OperatorOptions options;
  options.ns = ns_;
  options.workers = 2;
  options.metricsListen = "";
  options.healthListen = "";
  options.leaderElectionNamespace = ns_;
  options.leaseDuration = std::chrono::seconds(3);
  options.renewDeadline = std::chrono::seconds(2);
  options.retryPeriod = std::chrono::milliseconds(500);
  return options;
}

OperatorApp& OperatorClusterTest::startOperator(const OperatorOptions& options) {
  operators_.push_back(std::make_unique<OperatorApp>(*client_, options, logger_, clock_, makeIdentity()));
  operators_.back()->start();
  return *operators_.back();
}

void OperatorClusterTest::stopOperators() {
  for (auto& app : operators_) app->stop();
  operators_.clear();
}

json OperatorClusterTest::sandboxBody(const std::string& name, const json& spec) const {
  json body = json::parse(R"({"apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox", "metadata": {},
    "spec": {"template": {"spec": {"containers": [
      {"name": "agent", "image": "registry.example/agent:1", "command": ["sleep", "3600"]}]}}}})");
  body["metadata"]["name"] = name;
  body["metadata"]["namespace"] = ns_;
  mergeInto(body["spec"], spec);
  return body;
}

void OperatorClusterTest::createSandbox(const std::string& name, const json& spec) {
  auto created = client_->create(kube::resources::agentSandboxes(), ns_, sandboxBody(name, spec));
  ASSERT_TRUE(created.ok()) << created.error().describe();
}

std::optional<json> OperatorClusterTest::get(const kube::Resource& resource, const std::string& name) const {
  auto fetched = client_->get(resource, ns_, name);
  if (!fetched.ok()) return std::nullopt;
  return std::move(fetched).value();
}

json OperatorClusterTest::condition(const std::string& sandboxName, const std::string& type) const {
  const auto object = sandbox(sandboxName);
  if (!object) return json::object();
  const json conditions = object->value("status", json::object()).value("conditions", json::array());
  for (const json& c : conditions) {
    if (c.value("type", "") == type) return c;
  }
  return json::object();
}

std::string OperatorClusterTest::phase(const std::string& sandboxName) const {
  const auto object = sandbox(sandboxName);
  return object ? object->value("status", json::object()).value("phase", "") : "";
}

bool OperatorClusterTest::waitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds deadline) {
  return agentguard::testing::waitFor(predicate, deadline, std::chrono::milliseconds(50));
}

bool OperatorClusterTest::reconcileEverySandboxAgain() {
  OperatorApp& app = *operators_.at(0);
  OperatorMetrics& metrics = app.metrics();
  const double reconciles = metrics.reconcileCount("success") + metrics.reconcileCount("requeue");
  app.controller().setLeading(true);  // leading again enqueues every sandbox
  return waitUntil([&] {
    return metrics.reconcileCount("success") + metrics.reconcileCount("requeue") > reconciles &&
           app.controller().queueDepth() == 0;
  });
}

void OperatorClusterTest::ensureRuntimeClass(const std::string& name) {
  const json body = {{"apiVersion", "node.k8s.io/v1"},
                     {"kind", "RuntimeClass"},
                     {"metadata", {{"name", name}}},
                     {"handler", "runsc"}};
  auto created = client_->create(kube::resources::runtimeClasses(), "", body);
  ASSERT_TRUE(created.ok() || created.error().code == ErrorCode::kAlreadyExists) << created.error().describe();
  if (name != "gvisor" && created.ok()) runtimeClasses_.push_back(name);
}

void OperatorClusterTest::deleteRuntimeClass(const std::string& name) {
  (void)client_->remove(kube::resources::runtimeClasses(), "", name);
}

// The class allows the Secrets the untrusted-author tests name, token Secrets included: they show that the
// operator refuses a ServiceAccount token Secret even where the class allows its name.
json OperatorClusterTest::testDefaultClassSpec() {
  return json::parse(R"({"egress": {"allowedCIDRs": ["0.0.0.0/0", "::/0"]},
                         "secrets": {"names": ["api", "admin-token", "plain", "later", "later-token"]}})");
}

void OperatorClusterTest::ensureSandboxClass(const std::string& name, const json& spec, bool isDefault) {
  json body = {{"apiVersion", "agentguard.io/v1alpha1"},
               {"kind", "AgentSandboxClass"},
               {"metadata", {{"name", name}}},
               {"spec", spec}};
  if (isDefault) body["metadata"]["annotations"] = {{"agentsandboxclass.agentguard.io/is-default-class", "true"}};
  const auto& resource = kube::resources::agentSandboxClasses();
  auto created = client_->create(resource, "", body);
  if (!created.ok() && created.error().code == ErrorCode::kAlreadyExists) {
    auto live = client_->get(resource, "", name);
    ASSERT_TRUE(live.ok()) << live.error().describe();
    body["metadata"]["resourceVersion"] = (*live)["metadata"]["resourceVersion"];
    created = client_->replace(resource, "", name, body);
  }
  ASSERT_TRUE(created.ok()) << created.error().describe();
  if (name != kTestDefaultClass &&
      std::find(sandboxClasses_.begin(), sandboxClasses_.end(), name) == sandboxClasses_.end()) {
    sandboxClasses_.push_back(name);
  }
}

}  // namespace agentguard::op::testing
