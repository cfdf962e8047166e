#include "common/time/rfc3339.h"
#include "operator/status/sandbox_status.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using namespace std::chrono_literals;

const WallTime kT0 = *time::parseRfc3339("2024-05-01T12:00:00Z");
const WallTime kT1 = kT0 + 30s;

StatusInputs base() {
  StatusInputs in;
  in.generation = 2;
  in.runtimeClassName = "gvisor";
  in.networkPolicyName = "analyst-isolation";
  in.egressSummary = "Isolated";
  in.network = NetworkState::kApplied;
  return in;
}

PodObservation pod(const std::string& phase, bool ready) {
  return PodObservation{"analyst", phase, ready, "10.0.0.5", "gvisor", "2024-05-01T11:59:59Z"};
}

struct Expectation {
  std::string type;
  std::string status;
  std::string reason;
};

struct StatusCase {
  std::string name;
  StatusInputs inputs;
  std::string phase;
  std::vector<Expectation> conditions;
};

class ComputeStatusTest : public ::testing::TestWithParam<StatusCase> {};

TEST_P(ComputeStatusTest, PhaseAndConditions) {
  const StatusCase& c = GetParam();
  const SandboxStatus status = computeStatus(c.inputs, SandboxStatus{}, kT0);
  EXPECT_EQ(status.phase, c.phase);
  EXPECT_EQ(status.observedGeneration, 2);
  for (const Expectation& expected : c.conditions) {
    const Condition* condition = status.condition(expected.type);
    ASSERT_NE(condition, nullptr) << expected.type;
    EXPECT_EQ(condition->status, expected.status) << expected.type;
    EXPECT_EQ(condition->reason, expected.reason) << expected.type;
    EXPECT_EQ(condition->observedGeneration, 2) << expected.type;
    EXPECT_EQ(condition->lastTransitionTime, "2024-05-01T12:00:00Z") << expected.type;
  }
  EXPECT_EQ(status.conditions.size(), 5u);
}

std::vector<StatusCase> cases() {
  std::vector<StatusCase> list;
  {
    StatusCase c{"RunningReady", base(), "Running", {}};
    c.inputs.pod = pod("Running", true);
    c.conditions = {{"Ready", "True", "PodReady"},
                    {"NetworkIsolated", "True", "NetworkPolicyApplied"},
                    {"RuntimeSandboxed", "True", "RuntimeClassApplied"},
                    {"Blocked", "False", "NotBlocked"},
                    {"Failed", "False", "NotFailed"}};
    list.push_back(c);
  }
  {
    StatusCase c{"PendingPod", base(), "Pending", {}};
    c.inputs.pod = pod("Pending", false);
    c.conditions = {{"Ready", "False", "PodPending"}, {"RuntimeSandboxed", "True", "RuntimeClassApplied"}};
    list.push_back(c);
  }
  {
    StatusCase c{"ForbiddenField", base(), "Blocked", {}};
    c.inputs.network = NetworkState::kPending;
    c.inputs.blocker = Problem{"ForbiddenTemplateField", "spec.template.spec.hostNetwork is true"};
    c.conditions = {{"Ready", "False", "ForbiddenTemplateField"},
                    {"Blocked", "True", "ForbiddenTemplateField"},
                    {"RuntimeSandboxed", "False", "PodNotCreated"},
                    {"NetworkIsolated", "False", "NetworkPolicyPending"}};
    list.push_back(c);
  }
  {
    StatusCase c{"RuntimeClassMissing", base(), "Blocked", {}};
    c.inputs.blocker = Problem{"RuntimeClassNotFound", "RuntimeClass gvisor does not exist"};
    c.conditions = {{"Blocked", "True", "RuntimeClassNotFound"},
                    {"RuntimeSandboxed", "False", "RuntimeClassNotFound"},
                    {"NetworkIsolated", "True", "NetworkPolicyApplied"}};
    list.push_back(c);
  }
  {
    StatusCase c{"RuntimeClassNotAllowed", base(), "Blocked", {}};
    c.inputs.blocker = Problem{"RuntimeClassNotAllowed", "runc is not allowed"};
    c.conditions = {{"RuntimeSandboxed", "False", "RuntimeClassNotAllowed"}};
    list.push_back(c);
  }
  {
    StatusCase c{"QuotaExceeded", base(), "Pending", {}};
    c.inputs.failure = Problem{"QuotaExceeded", "exceeded quota: pods"};
    c.conditions = {{"Failed", "True", "QuotaExceeded"}, {"Blocked", "False", "NotBlocked"}};
    list.push_back(c);
  }
  {
    StatusCase c{"NetworkPolicyWriteFailed", base(), "Pending", {}};
    c.inputs.network = NetworkState::kFailed;
    c.inputs.networkMessage = "Forbidden";
    c.inputs.failure = Problem{"APIError", "Forbidden"};
    c.conditions = {{"NetworkIsolated", "False", "APIError"}, {"Failed", "True", "APIError"}};
    list.push_back(c);
  }
  {
    StatusCase c{"Expired", base(), "Expired", {}};
    c.inputs.terminal = Terminal::kExpired;
    c.conditions = {{"Ready", "False", "Expired"}, {"Failed", "True", "Expired"}};
    list.push_back(c);
  }
  {
    StatusCase c{"PodDeletedUnderNever", base(), "Failed", {}};
    c.inputs.terminal = Terminal::kPodDeleted;
    c.conditions = {{"Ready", "False", "PodDeleted"}, {"Failed", "True", "PodDeleted"}};
    list.push_back(c);
  }
  {
    StatusCase c{"Succeeded", base(), "Succeeded", {}};
    c.inputs.terminal = Terminal::kSucceeded;
    c.inputs.pod = pod("Succeeded", false);
    c.conditions = {{"Ready", "False", "Succeeded"}, {"Failed", "False", "NotFailed"}};
    list.push_back(c);
  }
  {
    StatusCase c{"WrongRuntimeOnPod", base(), "Running", {}};
    c.inputs.pod = pod("Running", true);
    c.inputs.pod->runtimeClassName = "runc";
    c.conditions = {{"RuntimeSandboxed", "False", "RuntimeClassMismatch"}};
    list.push_back(c);
  }
  return list;
}

INSTANTIATE_TEST_SUITE_P(Status, ComputeStatusTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<StatusCase>& param) { return param.param.name; });

TEST(ComputeStatusTest, SameInputsGiveEqualStatusAndKeepTransitionTimes) {
  StatusInputs in = base();
  in.pod = pod("Running", true);
  const SandboxStatus first = computeStatus(in, SandboxStatus{}, kT0);
  const SandboxStatus second = computeStatus(in, first, kT1);
  EXPECT_EQ(first, second) << "nothing changed, so nothing to write";
  EXPECT_EQ(SandboxStatus::fromJson(first.toJson()), first);
}

TEST(ComputeStatusTest, TransitionTimeMovesOnlyForChangedConditions) {
  StatusInputs in = base();
  in.pod = pod("Running", true);
  const SandboxStatus first = computeStatus(in, SandboxStatus{}, kT0);
  in.pod->ready = false;
  const SandboxStatus second = computeStatus(in, first, kT1);
  EXPECT_EQ(second.condition("Ready")->lastTransitionTime, "2024-05-01T12:00:30Z");
  EXPECT_EQ(second.condition("Ready")->reason, "PodNotReady");
  EXPECT_EQ(second.condition("NetworkIsolated")->lastTransitionTime, "2024-05-01T12:00:00Z");
  EXPECT_NE(first, second);
}

TEST(ComputeStatusTest, StartAndFinishTimesStick) {
  StatusInputs in = base();
  in.pod = pod("Running", true);
  const SandboxStatus running = computeStatus(in, SandboxStatus{}, kT0);
  EXPECT_EQ(running.startTime, "2024-05-01T11:59:59Z");
  EXPECT_TRUE(running.finishTime.empty());
  in.pod.reset();
  in.terminal = Terminal::kExpired;
  const SandboxStatus expired = computeStatus(in, running, kT1);
  EXPECT_EQ(expired.startTime, "2024-05-01T11:59:59Z");
  EXPECT_EQ(expired.finishTime, "2024-05-01T12:00:30Z");
  const SandboxStatus later = computeStatus(in, expired, kT1 + 60s);
  EXPECT_EQ(later.finishTime, "2024-05-01T12:00:30Z");
  EXPECT_EQ(later, expired);
}

TEST(SandboxStatusTest, JsonOmitsEmptyFields) {
  SandboxStatus status;
  status.phase = "Pending";
  EXPECT_EQ(status.toJson(), nlohmann::json::parse(R"({"phase": "Pending"})"));
}

}  // namespace
}  // namespace agentguard::op
