#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::engine {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPolicy = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: exposure}
spec:
  rules:
    - id: exposure.service-nodeport
    - id: exposure.service-external-ips
  exemptions:
    namespaces: ["sandbox-*"]
    objects:
      - kind: Service
        namespace: edge
        name: "gateway-*"
        rules: [exposure.service-nodeport]
        reason: reviewed gateway
        expires: "2030-01-01"
)";

nlohmann::json service(const std::string& ns, const std::string& name) {
  return nlohmann::json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name +
                               R"(","namespace":")" + ns +
                               R"("},"spec":{"type":"NodePort","externalIPs":["1.2.3.4"]}})");
}

std::set<std::string> rulesFired(const Engine& engine, const nlohmann::json& object,
                                 std::chrono::system_clock::time_point now) {
  EvaluationContext context;
  context.now = now;
  std::set<std::string> rules;
  for (const auto& finding : engine.evaluate(object, context)) rules.insert(finding.rule);
  return rules;
}

class ExemptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = compilePolicies({{"p.yaml", kPolicy}}, RuleCatalog::builtin());
    ASSERT_TRUE(set.ok()) << set.error().describe();
    engine_ = std::make_unique<Engine>(std::make_shared<const PolicySet>(std::move(set).value()));
  }
  std::unique_ptr<Engine> engine_;
  const std::chrono::system_clock::time_point before_ = std::chrono::system_clock::from_time_t(1893456000 - 3600);
  const std::chrono::system_clock::time_point after_ = std::chrono::system_clock::from_time_t(1893456000 + 86400 + 1);
};

TEST_F(ExemptionTest, NamespacePatternSkipsEveryRuleOfThePolicy) {
  EXPECT_TRUE(rulesFired(*engine_, service("sandbox-7", "svc"), before_).empty());
  EXPECT_EQ(rulesFired(*engine_, service("prod", "svc"), before_).size(), 2u);
}

TEST_F(ExemptionTest, ObjectExemptionSkipsOnlyItsRules) {
  const auto fired = rulesFired(*engine_, service("edge", "gateway-eu"), before_);
  EXPECT_EQ(fired, std::set<std::string>{"exposure.service-external-ips"});
}

TEST_F(ExemptionTest, ObjectExemptionNeedsMatchingNamespaceAndName) {
  EXPECT_EQ(rulesFired(*engine_, service("core", "gateway-eu"), before_).size(), 2u);
  EXPECT_EQ(rulesFired(*engine_, service("edge", "api"), before_).size(), 2u);
}

TEST_F(ExemptionTest, ExpiredExemptionNoLongerApplies) {
  // Valid through 2030-01-01 (UTC); a day later it is ignored.
  EXPECT_EQ(rulesFired(*engine_, service("edge", "gateway-eu"), after_).size(), 2u);
}

TEST_F(ExemptionTest, ReportsWhichRulesAnExemptionKeptFromJudging) {
  std::vector<std::string> exempted;
  EvaluationContext context;
  context.now = before_;
  context.exemptedRules = &exempted;
  engine_->evaluate(service("edge", "gateway-eu"), context);
  EXPECT_EQ(exempted, std::vector<std::string>{"exposure.service-nodeport"});
  exempted.clear();
  engine_->evaluate(service("prod", "svc"), context);
  EXPECT_TRUE(exempted.empty());
}

TEST(EngineTest, FindingsCarryIdentityActionAndSeverity) {
  auto set = compilePolicies({{"p.yaml", kPolicy}}, RuleCatalog::builtin());
  ASSERT_TRUE(set.ok());
  const Engine engine(std::make_shared<const PolicySet>(std::move(set).value()));
  const auto findings = engine.evaluate(service("prod", "api"), EvaluationContext{});
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, "exposure.service-nodeport");
  EXPECT_EQ(findings[0].category, "exposure");
  EXPECT_EQ(findings[0].action, Action::kDeny);
  EXPECT_EQ(findings[0].severity, Severity::kHigh);
  EXPECT_EQ(findings[0].kind, "Service");
  EXPECT_EQ(findings[0].namespace_, "prod");
  EXPECT_EQ(findings[0].name, "api");
  EXPECT_EQ(findings[0].path, "spec.type");
  EXPECT_EQ(findings[0].objectName(), "Service prod/api");
}

TEST(EngineTest, NonObjectInputYieldsNoFindingAndNoCrash) {
  auto set = compilePolicies({{"p.yaml", kPolicy}}, RuleCatalog::builtin());
  ASSERT_TRUE(set.ok());
  const Engine engine(std::make_shared<const PolicySet>(std::move(set).value()));
  EXPECT_TRUE(engine.evaluate(nlohmann::json::array({1, 2}), EvaluationContext{}).empty());
  // Wrongly typed fields are treated as absent, never a crash.
  const auto odd = nlohmann::json::parse(R"({"kind":"Service","metadata":"x","spec":{"type":5,"externalIPs":"a"}})");
  EXPECT_TRUE(engine.evaluate(odd, EvaluationContext{}).empty());
}

}  // namespace
}  // namespace agentguard::engine
