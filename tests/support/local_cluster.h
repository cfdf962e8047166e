#pragma once

// A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager
// of the release in e2e/node/versions.sh) on loopback for tests that talk to
// Kubernetes, started by e2e/cluster/cluster.sh. No kubelet runs: pods stay Pending.
//
// One cluster serves every test of a test binary: it starts on first use and is
// stopped when the process exits (also when it is killed: the script watches
// the test process and stops the cluster once it is gone).
//
//   class MyTest : public agentguard::testing::LocalClusterTest {};
//   TEST_F(MyTest, CreatesNamespace) {
//     auto result = runKubectl({"create", "namespace", "demo"});
//     ASSERT_EQ(result.exitCode, 0) << result.err;
//   }
//
// Environment:
//   AGENTGUARD_CLUSTER_ENV=/path/env    use an already running cluster (the env
//                                       file `cluster.sh up` wrote) instead of
//                                       starting one; it is left running.
//   AGENTGUARD_CLUSTER_AUTO_INSTALL=0   do not build the Kubernetes binaries
//                                       when they are missing (fail instead).

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentguard::testing {

struct CommandResult {
  int exitCode = -1;  // the exit status, or -1 if the command could not run or was killed
  std::string out;    // standard output
  std::string err;    // standard error (or why the command could not run)
};

struct CommandOptions {
  std::string stdinText = {};                                   // given on standard input
  std::map<std::string, std::string> env = {};                  // set on top of this process' environment
  std::chrono::milliseconds timeout = std::chrono::minutes(2);  // then the command is killed
};

// Runs argv[0] (looked up on PATH) with the arguments, without a shell.
CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options = {});

class LocalCluster {
 public:
  // The cluster of this test binary, started on the first call. Returns nullptr
  // and fills *error with the start script's output when it could not start; a
  // failed start is not retried, later calls fail the same way.
  static LocalCluster* shared(std::string* error);

  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  ~LocalCluster();

  const std::string& kubeconfigPath() const { return kubeconfigPath_; }
  const std::string& serverUrl() const { return serverUrl_; }    // https://127.0.0.1:PORT
  const std::string& caFile() const { return caFile_; }          // PEM of the cluster CA
  const std::string& adminToken() const { return adminToken_; }  // bearer token, group system:masters
  const std::string& stateDir() const { return stateDir_; }
  // Any variable of the cluster's env file (see e2e/cluster/cluster.sh --help);
  // empty if it is not set.
  std::string envValue(const std::string& name) const;

  // Stops kube-apiserver and starts it again on the same port, waiting until it
  // is ready. Returns false and fills *error with the script's output on failure.
  bool restartApiServer(std::string* error);

  // kubectl of the cluster's release (AGENTGUARD_KUBECTL of its env file) with its kubeconfig.
  CommandResult kubectl(const std::vector<std::string>& args, const CommandOptions& options = {}) const;

  // Waits until kube-controller-manager has created the namespace's `default`
  // ServiceAccount (the ServiceAccount admission plugin refuses pods before that).
  bool waitForDefaultServiceAccount(const std::string& ns,
                                    std::chrono::milliseconds deadline = std::chrono::seconds(60)) const;

  // Waits until CustomResourceDefinition `name` is Established. (`kubectl wait --for condition=established`
  // fails at once while a new CRD has no conditions yet, so this polls.)
  bool waitForCrdEstablished(const std::string& name,
                             std::chrono::milliseconds deadline = std::chrono::seconds(60)) const;

  // Stops the cluster if this process started it. Runs at exit by itself.
  void stop();

 private:
  LocalCluster() = default;
  bool start(std::string* error);
  bool loadEnv(const std::string& envFile, std::string* error);
  CommandResult runScript(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const;

  std::string scriptPath_;
  std::string stateDir_;
  bool ownsCluster_ = false;
  pid_t ownerPid_ = -1;  // the process that started the cluster; a forked child never stops it
  std::map<std::string, std::string> env_;
  std::string kubeconfigPath_;
  std::string serverUrl_;
  std::string caFile_;
  std::string adminToken_;
  std::string kubectlPath_;
};

// kubectl against the shared cluster; if the cluster could not start, returns
// exitCode -1 with the reason in err.
CommandResult runKubectl(const std::vector<std::string>& args, const CommandOptions& options = {});

// A loopback TCP port that was free a moment ago (bound, read and closed again): for a server a test
// starts, or as a port where nothing listens. 0 when the kernel gave none.
uint16_t freeLoopbackPort();

// Polls predicate until it returns true or the deadline passes; returns the
// predicate's last answer. Use instead of fixed sleeps.
bool waitFor(const std::function<bool()>& predicate, std::chrono::milliseconds deadline,
             std::chrono::milliseconds interval = std::chrono::milliseconds(100));

// Base fixture for tests that need the cluster: the test fails (with the start
// script's output) when the cluster cannot start; it is never skipped.
class LocalClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  LocalCluster& cluster() const { return *cluster_; }

 private:
  LocalCluster* cluster_ = nullptr;
};

}  // namespace agentguard::testing
