#pragma once

// A fixture for tests that talk to the local kube-apiserver through the client under test: a client built
// from the cluster's kubeconfig, and namespaces unique to the test that are deleted after it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/cluster_config.h"
#include "common/kube/kube_client.h"
#include "tests/support/local_cluster.h"

namespace agentguard::kube::testing {

using Json = nlohmann::json;
using agentguard::testing::waitFor;
using namespace std::chrono_literals;

// A short random suffix for names that must not collide across runs on a shared cluster.
inline std::string randomSuffix(size_t length = 5) {
  static thread_local std::mt19937 engine{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kChars[pick(engine)];
  return out;
}

inline Json configMap(const std::string& name, Json data = Json::object(), Json labels = Json::object()) {
  Json object = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", std::move(data)}};
  if (!labels.empty()) object["metadata"]["labels"] = std::move(labels);
  return object;
}

inline std::string resourceVersionOf(const Json& object) {
  return object.value("/metadata/resourceVersion"_json_pointer, std::string());
}

class KubeClusterTest : public agentguard::testing::LocalClusterTest {
 protected:
  void SetUp() override {
    LocalClusterTest::SetUp();
    if (HasFatalFailure()) return;
    auto config = loadKubeconfig(cluster().kubeconfigPath());
    ASSERT_TRUE(config.ok()) << config.error().describe();
    config_ = *config;
    auto client = makeKubeClient(config_);
    ASSERT_TRUE(client.ok()) << client.error().describe();
    client_ = std::move(client).value();
  }

  void TearDown() override {
    // Deletion finishes in the background (the namespace controller empties them).
    for (const auto& ns : namespaces_) {
      const Status removed = client_->remove(resources::namespaces(), "", ns);
      EXPECT_TRUE(removed.ok() || removed.error().code == ErrorCode::kNotFound) << removed.error().describe();
    }
  }

  KubeClient& client() { return *client_; }
  const ClusterConfig& config() const { return config_; }

  // A namespace named after the test ("kt-watch-delivers-events-x3k9q"), deleted after it.
  std::string createNamespace() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string base;
    for (const char c : std::string(info->name())) {
      if (std::isupper(static_cast<unsigned char>(c)) && !base.empty() && base.back() != '-') base += '-';
      if (std::isalnum(static_cast<unsigned char>(c))) base += static_cast<char>(std::tolower(c));
    }
    base = base.substr(0, 40);
    while (!base.empty() && base.back() == '-') base.pop_back();
    const std::string name = "kt-" + base + "-" + randomSuffix();
    const Json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    auto created = client_->create(resources::namespaces(), "", body);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    namespaces_.push_back(name);
    return name;
  }

  // Names of the items, sorted.
  static std::vector<std::string> namesOf(const std::vector<Json>& items) {
    std::vector<std::string> names;
    for (const auto& item : items) names.push_back(item["metadata"]["name"].get<std::string>());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  ClusterConfig config_;
  std::unique_ptr<KubeClient> client_;
  std::vector<std::string> namespaces_;
};

}  // namespace agentguard::kube::testing
