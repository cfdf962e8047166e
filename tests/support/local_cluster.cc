#include "tests/support/local_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#ifndef AGENTGUARD_SOURCE_DIR
#error "AGENTGUARD_SOURCE_DIR must be defined as the repository root (it holds e2e/cluster/cluster.sh)"
#endif

extern char** environ;

namespace agentguard::testing {
namespace {

constexpr std::string_view kScript = "/e2e/cluster/cluster.sh";
constexpr auto kUpTimeout = std::chrono::minutes(15);  // includes a first build of the binaries
constexpr auto kScriptTimeout = std::chrono::minutes(3);

std::string errnoText(int error) { return std::strerror(error); }

std::string tempDirBase() {
  const char* tmp = std::getenv("TMPDIR");
  return (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
}

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Holds what a spawned process needs: argv/envp arrays and file actions.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

std::vector<std::string> mergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view item(*entry);
    const auto eq = item.find('=');
    const std::string name(item.substr(0, eq));
    if (overrides.count(name) == 0) result.emplace_back(item);
  }
  for (const auto& [name, value] : overrides) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options) {
  CommandResult result;
  if (argv.empty()) {
    result.err = "runCommand: no command given";
    return result;
  }

  // Standard input comes from a file, so no writer thread is needed.
  std::string stdinPath = "/dev/null";
  std::string stdinTemp;
  if (!options.stdinText.empty()) {
    std::string pattern = tempDirBase() + "/agentguard-stdin-XXXXXX";
    FileDescriptor fd(::mkstemp(pattern.data()));
    if (fd.get() < 0) {
      result.err = "runCommand: cannot create a temporary file: " + errnoText(errno);
      return result;
    }
    stdinTemp = stdinPath = pattern;
    const std::string& text = options.stdinText;
    size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::unlink(stdinTemp.c_str());
        result.err = "runCommand: cannot write standard input: " + errnoText(errno);
        return result;
      }
      written += static_cast<size_t>(n);
    }
  }

  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    result.err = "runCommand: pipe: " + errnoText(errno);
    return result;
  }
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    result.err = "runCommand: pipe: " + errnoText(errno);
    return result;
  }
  FileDescriptor outRead(outPipe[0]), outWrite(outPipe[1]);
  FileDescriptor errRead(errPipe[0]), errWrite(errPipe[1]);

  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(setup.actions(), 0, stdinPath.c_str(), O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(setup.actions(), outWrite.get(), 1);
  ::posix_spawn_file_actions_adddup2(setup.actions(), errWrite.get(), 2);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigset_t noMask;
  sigemptyset(&noMask);
  ::posix_spawnattr_setsigdefault(setup.attr(), &defaults);
  ::posix_spawnattr_setsigmask(setup.attr(), &noMask);
  ::posix_spawnattr_setflags(setup.attr(), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv;
  std::vector<std::string> envStrings = mergedEnvironment(options.env);
  std::vector<char*> cArgs = cStrings(args);
  std::vector<char*> cEnv = cStrings(envStrings);

  pid_t pid = -1;
  const int spawnError = ::posix_spawnp(&pid, cArgs[0], setup.actions(), setup.attr(), cArgs.data(), cEnv.data());
  outWrite.reset();
  errWrite.reset();
  if (!stdinTemp.empty()) ::unlink(stdinTemp.c_str());
  if (spawnError != 0) {
    result.err = "cannot run " + argv[0] + ": " + errnoText(spawnError);
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool timedOut = false;
  pollfd fds[2] = {{outRead.get(), POLLIN, 0}, {errRead.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buffer[8192];
  while (open > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  if (timedOut) ::kill(pid, SIGKILL);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    result.exitCode = -1;
    result.err += "\n" + argv[0] + " was killed after " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()) +
                  "s without finishing";
  } else if (WIFEXITED(status)) {
    result.exitCode = WEXITSTATUS(status);
  } else {
    result.exitCode = -1;
    if (WIFSIGNALED(status)) result.err += "\n" + argv[0] + " died of signal " + std::to_string(WTERMSIG(status));
  }
  return result;
}

// ---------------------------------------------------------------------------

namespace {

std::mutex& sharedMutex() {
  static std::mutex mutex;
  return mutex;
}
// Never deleted: it must outlive every test and the atexit handler.
LocalCluster* sharedCluster = nullptr;
bool sharedAttempted = false;
std::string sharedError;

void stopSharedCluster() {
  std::lock_guard<std::mutex> lock(sharedMutex());
  if (sharedCluster != nullptr) sharedCluster->stop();
}

}  // namespace

LocalCluster* LocalCluster::shared(std::string* error) {
  std::lock_guard<std::mutex> lock(sharedMutex());
  if (!sharedAttempted) {
    sharedAttempted = true;
    auto* cluster = new LocalCluster();
    if (cluster->start(&sharedError)) {
      sharedCluster = cluster;
      std::atexit(stopSharedCluster);
    } else {
      delete cluster;
    }
  }
  if (sharedCluster == nullptr && error != nullptr) *error = sharedError;
  return sharedCluster;
}

LocalCluster::~LocalCluster() { stop(); }

CommandResult LocalCluster::runScript(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {"bash", scriptPath_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = timeout;
  return runCommand(argv, options);
}

bool LocalCluster::start(std::string* error) {
  scriptPath_ = std::string(AGENTGUARD_SOURCE_DIR) + std::string(kScript);
  if (::access(scriptPath_.c_str(), R_OK) != 0) {
    *error =
        "cannot read " + scriptPath_ + ": " + errnoText(errno) + " (AGENTGUARD_SOURCE_DIR must be the repository root)";
    return false;
  }

  const char* existing = std::getenv("AGENTGUARD_CLUSTER_ENV");
  if (existing != nullptr && *existing != '\0') {
    ownsCluster_ = false;
    if (!loadEnv(existing, error)) return false;
    stateDir_ = envValue("AGENTGUARD_CLUSTER_STATE_DIR");
    return true;
  }

  std::string pattern = tempDirBase() + "/agentguard-test-cluster-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    *error = "cannot create a state directory under " + tempDirBase() + ": " + errnoText(errno);
    return false;
  }
  stateDir_ = pattern;

  std::vector<std::string> args = {"up", "--state-dir", stateDir_, "--owner-pid", std::to_string(::getpid())};
  const char* autoInstall = std::getenv("AGENTGUARD_CLUSTER_AUTO_INSTALL");
  if (autoInstall == nullptr || std::string_view(autoInstall) != "0") args.push_back("--install");

  std::fprintf(stderr, "[local cluster] starting: %s up --state-dir %s\n", scriptPath_.c_str(), stateDir_.c_str());
  const auto started = std::chrono::steady_clock::now();
  const CommandResult up = runScript(args, kUpTimeout);
  if (up.exitCode != 0) {
    *error = "e2e/cluster/cluster.sh up failed (exit " + std::to_string(up.exitCode) + "):\n" + up.out + up.err;
    ::rmdir(stateDir_.c_str());  // the script removes what it made; this is only the empty directory
    return false;
  }
  ownsCluster_ = true;
  ownerPid_ = ::getpid();
  if (!loadEnv(stateDir_ + "/env", error)) {
    stop();
    return false;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::fprintf(stderr, "[local cluster] ready in %.1fs at %s\n", took.count() / 1000.0, serverUrl_.c_str());
  return true;
}

bool LocalCluster::loadEnv(const std::string& envFile, std::string* error) {
  std::ifstream in(envFile);
  if (!in) {
    *error = "cannot read the cluster's env file " + envFile;
    return false;
  }
  env_.clear();
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    constexpr std::string_view kExport = "export ";
    if (line.compare(0, kExport.size(), kExport) == 0) line.erase(0, kExport.size());
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    // cluster.sh writes single-quoted values without quotes inside them.
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') value = value.substr(1, value.size() - 2);
    env_[line.substr(0, eq)] = value;
  }
  kubeconfigPath_ = envValue("AGENTGUARD_KUBECONFIG");
  serverUrl_ = envValue("AGENTGUARD_APISERVER_URL");
  caFile_ = envValue("AGENTGUARD_APISERVER_CA");
  adminToken_ = envValue("AGENTGUARD_ADMIN_TOKEN");
  kubectlPath_ = envValue("AGENTGUARD_KUBECTL");
  if (kubeconfigPath_.empty() || serverUrl_.empty() || caFile_.empty() || adminToken_.empty() ||
      kubectlPath_.empty()) {
    *error = envFile +
             " lacks one of AGENTGUARD_KUBECONFIG, AGENTGUARD_APISERVER_URL, "
             "AGENTGUARD_APISERVER_CA, AGENTGUARD_ADMIN_TOKEN, AGENTGUARD_KUBECTL";
    return false;
  }
  return true;
}

std::string LocalCluster::envValue(const std::string& name) const {
  const auto it = env_.find(name);
  return it == env_.end() ? std::string() : it->second;
}

bool LocalCluster::restartApiServer(std::string* error) {
  if (stateDir_.empty()) {
    if (error != nullptr) *error = "the cluster's state directory is unknown (AGENTGUARD_CLUSTER_STATE_DIR)";
    return false;
  }
  const CommandResult result = runScript({"restart-apiserver", "--state-dir", stateDir_}, kScriptTimeout);
  if (result.exitCode != 0) {
    if (error != nullptr) {
      *error = "e2e/cluster/cluster.sh restart-apiserver failed (exit " + std::to_string(result.exitCode) + "):\n" +
               result.out + result.err;
    }
    return false;
  }
  std::string reloadError;
  const std::string envFile = stateDir_ + "/env";
  if (!loadEnv(envFile, &reloadError)) {
    if (error != nullptr) *error = reloadError;
    return false;
  }
  return true;
}

CommandResult LocalCluster::kubectl(const std::vector<std::string>& args, const CommandOptions& options) const {
  std::vector<std::string> argv = {kubectlPath_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions withConfig = options;
  withConfig.env["KUBECONFIG"] = kubeconfigPath_;
  return runCommand(argv, withConfig);
}

bool LocalCluster::waitForDefaultServiceAccount(const std::string& ns, std::chrono::milliseconds deadline) const {
  const auto exists = [&] {
    const CommandResult r = kubectl({"get", "serviceaccount", "default", "-n", ns, "-o", "name"});
    return r.exitCode == 0 && r.out == "serviceaccount/default\n";
  };
  // kube-controller-manager makes it within a second, unless its watches are still coming back after
  // a test restarted the API server (seen once, for over a minute, on a loaded machine). Then the
  // fixture creates it the way the controller would: what the tests need is that it exists.
  if (waitFor(exists, std::min(deadline, std::chrono::milliseconds(15000)), std::chrono::milliseconds(200))) return true;
  (void)kubectl({"create", "serviceaccount", "default", "-n", ns});
  return waitFor(exists, deadline, std::chrono::milliseconds(200));
}

bool LocalCluster::waitForCrdEstablished(const std::string& name, std::chrono::milliseconds deadline) const {
  return waitFor(
      [&] {
        const CommandResult r = kubectl({"get", "crd", name, "-o",
                                         "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"});
        return r.exitCode == 0 && r.out == "True";
      },
      deadline, std::chrono::milliseconds(200));
}

void LocalCluster::stop() {
  // A forked child (a death test, say) exiting must not stop its parent's cluster.
  if (!ownsCluster_ || ::getpid() != ownerPid_) return;
  ownsCluster_ = false;
  const CommandResult down = runScript({"down", "--state-dir", stateDir_}, kScriptTimeout);
  if (down.exitCode != 0) {
    std::fprintf(stderr, "[local cluster] e2e/cluster/cluster.sh down failed (exit %d):\n%s%s\n", down.exitCode,
                 down.out.c_str(), down.err.c_str());
  }
}

CommandResult runKubectl(const std::vector<std::string>& args, const CommandOptions& options) {
  std::string error;
  LocalCluster* cluster = LocalCluster::shared(&error);
  if (cluster == nullptr) {
    CommandResult result;
    result.err = "the local Kubernetes cluster did not start:\n" + error;
    return result;
  }
  return cluster->kubectl(args, options);
}

uint16_t freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

bool waitFor(const std::function<bool()>& predicate, std::chrono::milliseconds deadline,
             std::chrono::milliseconds interval) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(interval);
  }
}

void LocalClusterTest::SetUp() {
  std::string error;
  cluster_ = LocalCluster::shared(&error);
  if (cluster_ == nullptr) GTEST_FAIL() << "The local Kubernetes cluster did not start:\n" << error;
}

}  // namespace agentguard::testing
