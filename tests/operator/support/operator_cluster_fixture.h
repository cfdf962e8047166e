#pragma once

// Tests of the operator against the real local API server (tests/support/local_cluster.h): a fresh namespace per
// test, operators run in-process, and an invariant checker that watches the namespace's Pods and NetworkPolicies
// for the whole test and fails it if a sandbox Pod ever existed without its NetworkPolicy.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/app/operator_app.h"
#include "tests/support/local_cluster.h"

namespace agentguard::op::testing {

// Records every Pod and NetworkPolicy event of one namespace with its resourceVersion (etcd's revision, one
// sequence across kinds) and replays them in that order: at no revision may a Pod labelled
// agentguard.io/sandbox=X exist while no NetworkPolicy labelled the same does. A NetworkPolicy with a
// deletionTimestamp still exists (it is in force until it is gone).
class InvariantChecker {
 public:
  InvariantChecker(kube::KubeClient& client, const std::string& ns, log::Logger& logger);
  ~InvariantChecker();

  // A test that removes a NetworkPolicy by force (stripping its finalizer) excuses the gap it makes.
  void excuse(const std::string& sandbox);
  // Waits until both caches equal a fresh list, then replays; returns every violation found.
  std::vector<std::string> verify(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  // Revisions at which a sandbox's Pod and NetworkPolicy were first created and last deleted (0 when not seen).
  struct Lifetime {
    uint64_t created = 0;
    uint64_t deleted = 0;
  };
  Lifetime podLifetime(const std::string& sandbox) const;
  Lifetime policyLifetime(const std::string& sandbox) const;
  int podCreations(const std::string& sandbox) const;

 private:
  struct Record {
    uint64_t revision;
    bool pod;
    bool exists;
    std::string sandbox;
    std::string name;
  };
  void record(const kube::SharedObject& object, bool pod, bool exists);
  bool caughtUp(kube::KubeClient& client);

  kube::KubeClient& client_;
  std::string ns_;
  mutable std::mutex mutex_;
  std::vector<Record> records_;
  std::set<std::string> excused_;
  std::unique_ptr<kube::Informer> pods_;
  std::unique_ptr<kube::Informer> policies_;
};

class OperatorClusterTest : public agentguard::testing::LocalClusterTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  OperatorOptions defaultOptions() const;
  OperatorApp& startOperator(const OperatorOptions& options);
  OperatorApp& startOperator() { return startOperator(defaultOptions()); }
  void stopOperators();

  // A sandbox object for this namespace: name, template spec containers etc. come from `spec` (merged on top of
  // a minimal valid one).
  nlohmann::json sandboxBody(const std::string& name, const nlohmann::json& spec = nlohmann::json::object()) const;
  void createSandbox(const std::string& name, const nlohmann::json& spec = nlohmann::json::object());
  std::optional<nlohmann::json> get(const kube::Resource& resource, const std::string& name) const;
  std::optional<nlohmann::json> sandbox(const std::string& name) const {
    return get(kube::resources::agentSandboxes(), name);
  }
  std::optional<nlohmann::json> pod(const std::string& name) const { return get(kube::resources::pods(), name); }
  std::optional<nlohmann::json> networkPolicy(const std::string& sandboxName) const {
    return get(kube::resources::networkPolicies(), sandboxName + "-isolation");
  }
  // The condition of a sandbox, or an empty object.
  nlohmann::json condition(const std::string& sandboxName, const std::string& type) const;
  std::string phase(const std::string& sandboxName) const;
  static bool waitUntil(const std::function<bool()>& predicate,
                        std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // Sends every sandbox through the first operator's reconciler once more (as a resync does) and waits
  // until it has reconciled and its queue is empty; false if that does not happen in time.
  bool reconcileEverySandboxAgain();
  void ensureRuntimeClass(const std::string& name);
  void deleteRuntimeClass(const std::string& name);
  // Creates or replaces an AgentSandboxClass (deleted at TearDown unless it is the shared default).
  void ensureSandboxClass(const std::string& name, const nlohmann::json& spec, bool isDefault = false);
  // The default class every test runs under: egress anywhere (minus the operator's denied blocks), the Secret
  // "api", nothing else. Tests never mark another class default.
  static constexpr std::string_view kTestDefaultClass = "default-test";
  static nlohmann::json testDefaultClassSpec();

  std::string ns_;
  std::unique_ptr<kube::KubeClient> client_;
  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kInfo, "test"};
  SystemClock clock_;
  std::unique_ptr<InvariantChecker> checker_;
  std::vector<std::unique_ptr<OperatorApp>> operators_;
  std::vector<std::string> runtimeClasses_;
  std::vector<std::string> sandboxClasses_;
};

}  // namespace agentguard::op::testing
