// KubeClient against the real local kube-apiserver: reads, writes, lists, patches and deletes.

#include "common/kube/kube_client.h"

#include <gtest/gtest.h>

#include "tests/kube/kube_cluster_test.h"

namespace agentguard::kube::testing {
namespace {

class RestClientTest : public KubeClusterTest {};

// What every binary starts with: the configuration --kubeconfig names, and a client for it; a failure
// says which of the two failed.
TEST_F(RestClientTest, ConnectToClusterFromTheKubeconfigFlagAndNameWhatFailed) {
  auto connected = connectToCluster(cluster().kubeconfigPath());
  ASSERT_TRUE(connected.ok()) << connected.error().describe();
  EXPECT_TRUE((*connected)->get(resources::namespaces(), "", "default").ok());

  auto missing = connectToCluster("/nonexistent/kubeconfig");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("finding the Kubernetes API server: ", 0), 0u) << missing.error().message;
  EXPECT_NE(missing.error().message.find("/nonexistent/kubeconfig"), std::string::npos) << missing.error().message;
}

TEST_F(RestClientTest, ConfigMapCreateGetReplaceDelete) {
  const std::string ns = createNamespace();
  auto created = client().create(resources::configMaps(), ns, configMap("settings", {{"mode", "strict"}}));
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_FALSE(resourceVersionOf(*created).empty());
  EXPECT_EQ((*created)["metadata"]["namespace"], ns);

  auto again = client().create(resources::configMaps(), ns, configMap("settings"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists) << again.error().describe();

  auto fetched = client().get(resources::configMaps(), ns, "settings");
  ASSERT_TRUE(fetched.ok()) << fetched.error().describe();
  EXPECT_EQ((*fetched)["data"]["mode"], "strict");

  Json changed = *fetched;
  changed["data"]["mode"] = "audit";
  auto replaced = client().replace(resources::configMaps(), ns, "settings", changed);
  ASSERT_TRUE(replaced.ok()) << replaced.error().describe();
  EXPECT_EQ((*replaced)["data"]["mode"], "audit");
  EXPECT_NE(resourceVersionOf(*replaced), resourceVersionOf(*fetched));

  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "settings").ok());
  auto gone = client().get(resources::configMaps(), ns, "settings");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_NE(gone.error().message.find("configmaps \"settings\" not found"), std::string::npos)
      << gone.error().message;
  const Status twice = client().remove(resources::configMaps(), ns, "settings");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, PodIsCreatedPatchedListedAndDeleted) {
  const std::string ns = createNamespace();
  ASSERT_TRUE(cluster().waitForDefaultServiceAccount(ns));
  const Json pod = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", "scraper"}, {"labels", {{"app", "scraper"}}}}},
                    {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox:1.36"}}}}}}};
  auto created = client().create(resources::pods(), ns, pod);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ((*created)["status"]["phase"], "Pending");  // no kubelet runs

  auto patched =
      client().mergePatch(resources::pods(), ns, "scraper", {{"metadata", {{"labels", {{"tier", "agents"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  EXPECT_EQ((*patched)["metadata"]["labels"]["app"], "scraper");
  EXPECT_EQ((*patched)["metadata"]["labels"]["tier"], "agents");

  ListOptions selected;
  selected.labelSelector = "tier=agents";
  auto listed = client().list(resources::pods(), ns, selected);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0]["kind"], "Pod");  // filled in: list items carry no kind of their own
  EXPECT_EQ(listed->items[0]["apiVersion"], "v1");

  DeleteOptions now;
  now.gracePeriodSeconds = 0;
  ASSERT_TRUE(client().remove(resources::pods(), ns, "scraper", now).ok());
  EXPECT_TRUE(waitFor([&] { return !client().get(resources::pods(), ns, "scraper").ok(); }, 30s));
}

TEST_F(RestClientTest, NetworkPolicyCrud) {
  const std::string ns = createNamespace();
  const Json policy = {
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "NetworkPolicy"},
      {"metadata", {{"name", "deny-egress"}}},
      {"spec", {{"podSelector", Json::object()}, {"policyTypes", {"Egress"}}}}};
  auto created = client().create(resources::networkPolicies(), ns, policy);
  ASSERT_TRUE(created.ok()) << created.error().describe();

  auto patched = client().mergePatch(resources::networkPolicies(), ns, "deny-egress",
                                     {{"spec", {{"podSelector", {{"matchLabels", {{"app", "agent"}}}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  EXPECT_EQ((*patched)["spec"]["podSelector"]["matchLabels"]["app"], "agent");
  EXPECT_EQ((*patched)["spec"]["policyTypes"], Json({"Egress"}));

  auto listed = client().list(resources::networkPolicies(), ns);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  EXPECT_EQ(namesOf(listed->items), std::vector<std::string>{"deny-egress"});

  ASSERT_TRUE(client().remove(resources::networkPolicies(), ns, "deny-egress").ok());
  EXPECT_EQ(client().get(resources::networkPolicies(), ns, "deny-egress").error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, InvalidObjectReportsTheServersCauses) {
  const std::string ns = createNamespace();
  auto created = client().create(resources::configMaps(), ns, configMap("Bad_Name"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(created.error().causes.empty()) << created.error().describe();
  EXPECT_EQ(created.error().causes[0].rfind("metadata.name: ", 0), 0u) << created.error().causes[0];
}

TEST_F(RestClientTest, StaleResourceVersionIsConflict) {
  const std::string ns = createNamespace();
  auto created = client().create(resources::configMaps(), ns, configMap("cas", {{"n", "1"}}));
  ASSERT_TRUE(created.ok()) << created.error().describe();

  Json first = *created;
  first["data"]["n"] = "2";
  ASSERT_TRUE(client().replace(resources::configMaps(), ns, "cas", first).ok());

  Json stale = *created;  // still carries the first resourceVersion
  stale["data"]["n"] = "3";
  auto conflict = client().replace(resources::configMaps(), ns, "cas", stale);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict) << conflict.error().describe();
  EXPECT_TRUE(conflict.error().retryable());
  EXPECT_EQ((*client().get(resources::configMaps(), ns, "cas"))["data"]["n"], "2");
}

TEST_F(RestClientTest, MergePatchSetsAndRemovesKeys) {
  const std::string ns = createNamespace();
  ASSERT_TRUE(client().create(resources::configMaps(), ns, configMap("patched", {{"a", "1"}, {"b", "1"}})).ok());
  auto patched = client().mergePatch(resources::configMaps(), ns, "patched", {{"data", {{"a", nullptr}, {"c", "3"}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  EXPECT_EQ((*patched)["data"], Json({{"b", "1"}, {"c", "3"}}));

  auto missing = client().mergePatch(resources::configMaps(), ns, "absent", {{"data", {{"a", "1"}}}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, ServerSideApplyTracksFieldManagers) {
  const std::string ns = createNamespace();
  WriteOptions alpha;
  alpha.fieldManager = "alpha";
  auto applied = client().apply(resources::configMaps(), ns, "shared", configMap("shared", {{"x", "1"}}), "", alpha);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ((*applied)["data"]["x"], "1");

  WriteOptions beta;
  beta.fieldManager = "beta";
  auto conflict = client().apply(resources::configMaps(), ns, "shared", configMap("shared", {{"x", "2"}}), "", beta);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict) << conflict.error().describe();
  EXPECT_FALSE(conflict.error().causes.empty());  // names the field and its manager

  beta.force = true;
  auto forced = client().apply(resources::configMaps(), ns, "shared", configMap("shared", {{"x", "2"}}), "", beta);
  ASSERT_TRUE(forced.ok()) << forced.error().describe();
  EXPECT_EQ((*forced)["data"]["x"], "2");
  std::vector<std::string> managers;
  for (const auto& entry : (*forced)["metadata"]["managedFields"]) managers.push_back(entry["manager"]);
  EXPECT_NE(std::find(managers.begin(), managers.end(), "beta"), managers.end());

  // Applying again without a field drops it, as beta owns it alone now.
  auto shrunk = client().apply(resources::configMaps(), ns, "shared", configMap("shared", {{"y", "9"}}), "", beta);
  ASSERT_TRUE(shrunk.ok()) << shrunk.error().describe();
  EXPECT_EQ((*shrunk)["data"], Json({{"y", "9"}}));
}

TEST_F(RestClientTest, DryRunCreatesNothing) {
  const std::string ns = createNamespace();
  WriteOptions dryRun;
  dryRun.dryRun = true;
  auto created = client().create(resources::configMaps(), ns, configMap("dry"), dryRun);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ((*created)["metadata"]["name"], "dry");
  EXPECT_EQ(client().get(resources::configMaps(), ns, "dry").error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, DeletePreconditionsGuardTheObject) {
  const std::string ns = createNamespace();
  auto created = client().create(resources::configMaps(), ns, configMap("guarded"));
  ASSERT_TRUE(created.ok()) << created.error().describe();
  const std::string uid = (*created)["metadata"]["uid"];

  DeleteOptions wrongUid;
  wrongUid.preconditionUid = "00000000-0000-0000-0000-000000000000";
  const Status refused = client().remove(resources::configMaps(), ns, "guarded", wrongUid);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict) << refused.error().describe();

  DeleteOptions staleVersion;
  staleVersion.preconditionResourceVersion = "1";
  const Status stale = client().remove(resources::configMaps(), ns, "guarded", staleVersion);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict) << stale.error().describe();

  DeleteOptions right;
  right.preconditionUid = uid;
  right.preconditionResourceVersion = resourceVersionOf(*created);
  right.propagationPolicy = "Background";
  const Status removed = client().remove(resources::configMaps(), ns, "guarded", right);
  ASSERT_TRUE(removed.ok()) << removed.error().describe();
  EXPECT_EQ(client().get(resources::configMaps(), ns, "guarded").error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, RuntimeClassIsClusterScoped) {
  const std::string name = "kt-runsc-" + randomSuffix();
  const Json runtimeClass = {
      {"apiVersion", "node.k8s.io/v1"}, {"kind", "RuntimeClass"}, {"metadata", {{"name", name}}}, {"handler", "runsc"}};
  auto created = client().create(resources::runtimeClasses(), "ignored-for-cluster-scope", runtimeClass);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_FALSE((*created)["metadata"].contains("namespace"));

  auto fetched = client().get(resources::runtimeClasses(), "", name);
  ASSERT_TRUE(fetched.ok()) << fetched.error().describe();
  EXPECT_EQ((*fetched)["handler"], "runsc");

  auto listed = client().listAll(resources::runtimeClasses(), "");
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  const auto names = namesOf(listed->items);
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());

  ASSERT_TRUE(client().remove(resources::runtimeClasses(), "", name).ok());
  EXPECT_EQ(client().get(resources::runtimeClasses(), "", name).error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, NamespaceIsFinalizedAfterDelete) {
  const std::string name = "kt-namespace-" + randomSuffix();
  const Json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  ASSERT_TRUE(client().create(resources::namespaces(), "", body).ok());
  ASSERT_TRUE(client().create(resources::configMaps(), name, configMap("inside")).ok());
  auto fetched = client().get(resources::namespaces(), "", name);
  ASSERT_TRUE(fetched.ok()) << fetched.error().describe();
  EXPECT_EQ((*fetched)["status"]["phase"], "Active");

  ASSERT_TRUE(client().remove(resources::namespaces(), "", name).ok());
  // The namespace controller (kube-controller-manager) empties it, then it disappears.
  EXPECT_TRUE(waitFor(
      [&] {
        auto current = client().get(resources::namespaces(), "", name);
        return !current.ok() && current.error().code == ErrorCode::kNotFound;
      },
      60s, 200ms));
}

TEST_F(RestClientTest, ListFiltersByLabelAndPages) {
  const std::string ns = createNamespace();
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    const std::string name = "cm-" + std::to_string(100 + i);
    const std::string tier = i % 5 == 0 ? "b" : "a";
    if (tier == "a") expected.push_back(name);
    auto created = client().create(resources::configMaps(), ns, configMap(name, {}, {{"tier", tier}}));
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }

  ListOptions options;
  options.labelSelector = "tier=a";
  options.limit = 6;
  std::vector<Json> collected;
  int pages = 0;
  std::string firstVersion;
  for (;;) {
    auto page = client().list(resources::configMaps(), ns, options);
    ASSERT_TRUE(page.ok()) << page.error().describe();
    ++pages;
    EXPECT_LE(page->items.size(), 6u);
    if (firstVersion.empty()) firstVersion = page->resourceVersion;
    collected.insert(collected.end(), page->items.begin(), page->items.end());
    if (page->continueToken.empty()) break;
    options.continueToken = page->continueToken;
  }
  EXPECT_EQ(pages, 4);  // 20 matches in pages of 6
  EXPECT_EQ(namesOf(collected), expected);
  EXPECT_FALSE(firstVersion.empty());

  ListOptions paged;
  paged.labelSelector = "tier=a";
  paged.limit = 7;
  auto all = client().listAll(resources::configMaps(), ns, paged);
  ASSERT_TRUE(all.ok()) << all.error().describe();
  EXPECT_EQ(namesOf(all->items), expected);
  EXPECT_TRUE(all->continueToken.empty());

  ListOptions byName;
  byName.fieldSelector = "metadata.name=cm-105";
  auto one = client().list(resources::configMaps(), ns, byName);
  ASSERT_TRUE(one.ok()) << one.error().describe();
  EXPECT_EQ(namesOf(one->items), std::vector<std::string>{"cm-105"});

  ListOptions badSelector;
  badSelector.labelSelector = "tier in (a";
  auto bad = client().list(resources::configMaps(), ns, badSelector);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << bad.error().describe();
}

}  // namespace
}  // namespace agentguard::kube::testing
