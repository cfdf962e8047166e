// The judgement of what a template names, on objects a read-only stand-in for the API server holds (the same
// judgement runs against the real API server in untrusted_author_cluster_test.cc).
#include "operator/reconciler/template_references.h"

#include <map>

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using nlohmann::json;

// Answers get() from a map keyed "resource/namespace/name"; every other call is refused.
class ObjectsByName final : public kube::KubeClient {
 public:
  std::map<std::string, json> objects;
  std::optional<Error> failure;

  Result<json> get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                   std::string_view) override {
    if (failure) return *failure;
    const auto it = objects.find(resource.resource + "/" + std::string(ns) + "/" + std::string(name));
    if (it == objects.end()) return makeError(ErrorCode::kNotFound, "not found");
    return it->second;
  }
  Result<kube::ObjectList> list(const kube::Resource&, std::string_view, const kube::ListOptions&) override {
    return refused();
  }
  Result<json> create(const kube::Resource&, std::string_view, const json&, const kube::WriteOptions&) override {
    return refused();
  }
  Result<json> replace(const kube::Resource&, std::string_view, std::string_view, const json&, std::string_view,
                       const kube::WriteOptions&) override {
    return refused();
  }
  Result<json> mergePatch(const kube::Resource&, std::string_view, std::string_view, const json&, std::string_view,
                          const kube::WriteOptions&) override {
    return refused();
  }
  Result<json> apply(const kube::Resource&, std::string_view, std::string_view, const json&, std::string_view,
                     const kube::WriteOptions&) override {
    return refused();
  }
  Status remove(const kube::Resource&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return refused();
  }
  Status watch(const kube::Resource&, std::string_view, const kube::WatchOptions&,
               const std::function<bool(kube::WatchEvent&&)>&, const kube::StopSignal&) override {
    return refused();
  }

 private:
  static Error refused() { return makeError(ErrorCode::kInternal, "only get"); }
};

json secret(const std::string& type) { return {{"type", type}, {"metadata", {{"name", "s"}}}}; }

struct ReferenceCase {
  std::string name;
  json spec;                    // spec.template.spec
  std::map<std::string, json> objects;
  std::string reason;           // "" when the template may be used
  std::string path;             // the field the message names first
};

const json kTokenSecret = secret("kubernetes.io/service-account-token");
const json kPlainSecret = secret("Opaque");
const json kBoundClaim = json::parse(R"({"spec": {"volumeName": "pv"}, "status": {"phase": "Bound"}})");
const json kPendingClaim = json::parse(R"({"spec": {}, "status": {"phase": "Pending"}})");

json container(const json& fields) {
  json c = {{"name", "agent"}, {"image", "a:1"}};
  for (const auto& [key, value] : fields.items()) c[key] = value;
  return {{"containers", json::array({c})}};
}
json volumes(const json& list) { return {{"containers", json::array({{{"name", "agent"}}})}, {"volumes", list}}; }

class TemplateReferencesTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(TemplateReferencesTest, Judges) {
  ObjectsByName client;
  client.objects = GetParam().objects;
  const ReferenceVerdict verdict = checkTemplateReferences(client, "agents", {{"spec", GetParam().spec}});
  EXPECT_FALSE(verdict.error);
  if (GetParam().reason.empty()) {
    EXPECT_FALSE(verdict.blocker) << verdict.blocker->message;
    return;
  }
  ASSERT_TRUE(verdict.blocker);
  EXPECT_EQ(verdict.blocker->reason, GetParam().reason);
  EXPECT_EQ(verdict.blocker->message.rfind(GetParam().path + " ", 0), 0u) << verdict.blocker->message;
}

const std::vector<ReferenceCase> kCases = {
    {"TokenAsVolume", volumes(json::array({{{"name", "t"}, {"secret", {{"secretName", "s"}}}}})),
     {{"secrets/agents/s", kTokenSecret}}, "ForbiddenTemplateField", "spec.template.spec.volumes[0].secret.secretName"},
    {"TokenAsProjectedSource",
     volumes(json::array({{{"name", "t"}, {"projected", {{"sources", json::array({{{"configMap", {{"name", "c"}}}},
                                                                                   {{"secret", {{"name", "s"}}}}})}}}}})),
     {{"secrets/agents/s", kTokenSecret}}, "ForbiddenTemplateField",
     "spec.template.spec.volumes[0].projected.sources[1].secret.name"},
    {"TokenAsSecretKeyRef",
     container({{"env", json::array({{{"name", "T"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "token"}}}}}}})}}),
     {{"secrets/agents/s", kTokenSecret}}, "ForbiddenTemplateField",
     "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name"},
    {"TokenAsEnvFrom", container({{"envFrom", json::array({{{"secretRef", {{"name", "s"}}}}})}}),
     {{"secrets/agents/s", kTokenSecret}}, "ForbiddenTemplateField",
     "spec.template.spec.containers[0].envFrom[0].secretRef.name"},
    {"TokenInInitContainer",
     {{"containers", json::array({{{"name", "agent"}}})},
      {"initContainers", json::array({{{"name", "init"}, {"envFrom", json::array({{{"secretRef", {{"name", "s"}}}}})}}})}},
     {{"secrets/agents/s", kTokenSecret}}, "ForbiddenTemplateField",
     "spec.template.spec.initContainers[0].envFrom[0].secretRef.name"},
    {"MissingSecretEvenIfOptional",
     container({{"envFrom", json::array({{{"secretRef", {{"name", "later"}, {"optional", true}}}}})}}), {},
     "ReferenceNotReady", "spec.template.spec.containers[0].envFrom[0].secretRef.name"},
    {"OpaqueSecretEverywhere",
     {{"containers", json::array({{{"name", "agent"},
                                   {"envFrom", json::array({{{"secretRef", {{"name", "s"}}}}})},
                                   {"env", json::array({{{"name", "K"}, {"valueFrom", {{"secretKeyRef", {{"name", "s"}, {"key", "k"}}}}}}})}}})},
      {"volumes", json::array({{{"name", "v"}, {"secret", {{"secretName", "s"}}}}})}},
     {{"secrets/agents/s", kPlainSecret}}, "", ""},
    {"ClaimOnHostPath", volumes(json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "c"}}}}})),
     {{"persistentvolumeclaims/agents/c", kBoundClaim}, {"persistentvolumes//pv", {{"spec", {{"hostPath", {{"path", "/"}}}}}}}},
     "ForbiddenTemplateField", "spec.template.spec.volumes[0].persistentVolumeClaim.claimName"},
    {"ClaimOnLocalVolume", volumes(json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "c"}}}}})),
     {{"persistentvolumeclaims/agents/c", kBoundClaim}, {"persistentvolumes//pv", {{"spec", {{"local", {{"path", "/mnt"}}}}}}}},
     "ForbiddenTemplateField", "spec.template.spec.volumes[0].persistentVolumeClaim.claimName"},
    {"UnboundClaim", volumes(json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "c"}}}}})),
     {{"persistentvolumeclaims/agents/c", kPendingClaim}}, "ReferenceNotReady",
     "spec.template.spec.volumes[0].persistentVolumeClaim.claimName"},
    {"MissingClaim", volumes(json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "c"}}}}})), {},
     "ReferenceNotReady", "spec.template.spec.volumes[0].persistentVolumeClaim.claimName"},
    {"ClaimOnNetworkStorage", volumes(json::array({{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "c"}}}}})),
     {{"persistentvolumeclaims/agents/c", kBoundClaim},
      {"persistentvolumes//pv", {{"spec", {{"csi", {{"driver", "ebs.csi.aws.com"}, {"volumeHandle", "vol-1"}}}}}}}},
     "", ""},
    {"NoReferences", container(json::object()), {}, "", ""},
};

INSTANTIATE_TEST_SUITE_P(References, TemplateReferencesTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ReferenceCase>& param) { return param.param.name; });

TEST(TemplateReferencesTest, AnUnreadableSecretIsRetriedNotJudged) {
  ObjectsByName client;
  client.failure = makeError(ErrorCode::kUnavailable, "API server unreachable");
  const ReferenceVerdict verdict = checkTemplateReferences(
      client, "agents", {{"spec", volumes(json::array({{{"name", "t"}, {"secret", {{"secretName", "s"}}}}}))}});
  EXPECT_FALSE(verdict.blocker);
  ASSERT_TRUE(verdict.error);
  EXPECT_EQ(verdict.error->code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace agentguard::op
