// Checks the LocalCluster test fixture (tests/support/local_cluster.h) against a real cluster.
// Built with tests/support/local_cluster.cc, like any test binary that uses the fixture.
#include "tests/support/local_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace agentguard::testing {
namespace {

class LocalClusterFixtureTest : public LocalClusterTest {};

TEST_F(LocalClusterFixtureTest, ExposesConnectionDetails) {
  EXPECT_EQ(cluster().serverUrl().rfind("https://127.0.0.1:", 0), 0u) << cluster().serverUrl();
  EXPECT_FALSE(cluster().adminToken().empty());
  EXPECT_EQ(::access(cluster().kubeconfigPath().c_str(), R_OK), 0);
  EXPECT_EQ(::access(cluster().caFile().c_str(), R_OK), 0);
}

TEST_F(LocalClusterFixtureTest, RunsTheKubectlOfTheClustersRelease) {
  const std::string release = cluster().envValue("AGENTGUARD_KUBE_VERSION");
  ASSERT_FALSE(release.empty());
  auto client = runKubectl({"version", "--client", "-o", "json"});
  ASSERT_EQ(client.exitCode, 0) << client.err;
  EXPECT_NE(client.out.find("\"gitVersion\": \"" + release + "\""), std::string::npos) << client.out;
  auto server = runKubectl({"get", "--raw", "/version"});
  ASSERT_EQ(server.exitCode, 0) << server.err;
  EXPECT_NE(server.out.find("\"gitVersion\": \"" + release + "\""), std::string::npos) << server.out;
}

TEST_F(LocalClusterFixtureTest, RunsKubectlWithStdin) {
  auto created =
      runKubectl({"apply", "-f", "-"}, {.stdinText = "apiVersion: v1\nkind: Namespace\nmetadata: {name: fixture}\n"});
  ASSERT_EQ(created.exitCode, 0) << created.err;
  EXPECT_NE(created.out.find("namespace/fixture"), std::string::npos) << created.out;
  ASSERT_TRUE(cluster().waitForDefaultServiceAccount("fixture"));
  auto missing = runKubectl({"get", "namespace", "does-not-exist"});
  EXPECT_NE(missing.exitCode, 0);
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;
}

TEST_F(LocalClusterFixtureTest, SurvivesApiServerRestart) {
  std::string error;
  const std::string pidBefore = cluster().envValue("AGENTGUARD_APISERVER_PID");
  ASSERT_TRUE(cluster().restartApiServer(&error)) << error;
  EXPECT_NE(cluster().envValue("AGENTGUARD_APISERVER_PID"), pidBefore);
  EXPECT_TRUE(waitFor(
      [] {
        return runKubectl({"get", "namespace", "default"}).exitCode == 0;
      },
      std::chrono::seconds(30)));
}

TEST_F(LocalClusterFixtureTest, ForkedChildExitingLeavesTheClusterRunning) {
  EXPECT_EXIT(std::exit(0), ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(runKubectl({"get", "namespace", "default"}).exitCode, 0);
}

TEST(RunCommandTest, ReportsMissingProgramAndTimeout) {
  auto missing = runCommand({"agentguard-no-such-program"});
  EXPECT_EQ(missing.exitCode, -1);
  EXPECT_NE(missing.err.find("No such file"), std::string::npos) << missing.err;
  auto slow = runCommand({"sleep", "5"}, {.timeout = std::chrono::milliseconds(300)});
  EXPECT_EQ(slow.exitCode, -1);
  auto exit3 = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(exit3.exitCode, 3);
  EXPECT_EQ(exit3.out, "out\n");
  EXPECT_EQ(exit3.err, "err\n");
}

TEST(WaitForTest, StopsAtDeadline) {
  int calls = 0;
  EXPECT_FALSE(waitFor(
      [&] {
        ++calls;
        return false;
      },
      std::chrono::milliseconds(250), std::chrono::milliseconds(50)));
  EXPECT_GE(calls, 3);
  EXPECT_TRUE(waitFor([&] { return calls++ > 5; }, std::chrono::seconds(5), std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace agentguard::testing
