#include "operator/reconciler/foreign_selection.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using nlohmann::json;

kube::SharedObject object(const char* text) { return std::make_shared<const json>(json::parse(text)); }

const json kLabels = {{"team", "research"}, {"agentguard.io/sandbox", "analyst"}};

struct SelectionCase {
  std::string name;
  std::string policy;   // a NetworkPolicy, or ""
  std::string service;  // a Service, or ""
  bool selected;
};

class ForeignSelectionTest : public ::testing::TestWithParam<SelectionCase> {};

TEST_P(ForeignSelectionTest, Judges) {
  std::vector<kube::SharedObject> policies, services;
  if (!GetParam().policy.empty()) policies.push_back(object(GetParam().policy.c_str()));
  if (!GetParam().service.empty()) services.push_back(object(GetParam().service.c_str()));
  const auto problem = foreignSelection(kLabels, policies, services, "spec.template.metadata.labels");
  EXPECT_EQ(problem.has_value(), GetParam().selected);
  if (problem) {
    EXPECT_EQ(problem->reason, "SelectedByOtherObject");
    EXPECT_NE(problem->message.find("agents/other"), std::string::npos) << problem->message;
  }
}

const std::vector<SelectionCase> kCases = {
    {"AllowAllByLabel",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"podSelector": {"matchLabels": {"team": "research"}}, "egress": [{}]}})",
     "", true},
    {"EmptySelectorWithRules",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"podSelector": {}, "ingress": [{}]}})", "", true},
    {"DoesNotExistSelectsMissingLabel",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"podSelector": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, "egress": [{}]}})",
     "", true},
    {"ServiceByLabel", "",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"selector": {"team": "research"}}})", true},
    // Benign: a default-deny selecting everything, policies and Services for other labels, selector-less Services.
    {"DefaultDeny", R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"podSelector": {}}})", "", false},
    {"OtherLabels",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"podSelector": {"matchLabels": {"team": "ops"}}, "egress": [{}]}})",
     "", false},
    {"ServiceOtherLabels", "",
     R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {"selector": {"team": "research", "app": "web"}}})", false},
    {"ServiceWithoutSelector", "", R"({"metadata": {"namespace": "agents", "name": "other"}, "spec": {}})", false},
};

INSTANTIATE_TEST_SUITE_P(Selection, ForeignSelectionTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SelectionCase>& param) { return param.param.name; });

}  // namespace
}  // namespace agentguard::op
