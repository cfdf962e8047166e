#include "cli/rendered_inputs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace agentguard::cli {
namespace {

namespace fs = std::filesystem;

struct ToolRun {
  bool started = false;
  bool timedOut = false;
  bool oversized = false;
  int exitCode = -1;
  std::string out;
  std::string err;
  std::string startError;
};

// Runs argv[0] (searched on PATH) with stdin from /dev/null; collects stdout up to maxBytes and the first
// 4 KiB of stderr; kills it at the deadline or when stdout passes the bound.
ToolRun runTool(const std::vector<std::string>& argv, size_t maxBytes, std::chrono::seconds timeout) {
  ToolRun run;
  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    run.startError = std::strerror(errno);
    return run;
  }
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    run.startError = std::strerror(errno);
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    return run;
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  std::vector<char*> cArgs;
  for (const auto& arg : argv) cArgs.push_back(const_cast<char*>(arg.c_str()));
  cArgs.push_back(nullptr);
  pid_t pid = -1;
  const int spawnError = ::posix_spawnp(&pid, cArgs[0], &actions, nullptr, cArgs.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  if (spawnError != 0) {
    run.startError = std::strerror(spawnError);
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    return run;
  }
  run.started = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  int open = 2;
  char buffer[65536];
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timedOut = true;
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        if (i == 1 && run.err.size() >= 4096) continue;
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
    if (run.out.size() > maxBytes) {
      run.oversized = true;
      break;
    }
  }
  if (open > 0) ::kill(pid, SIGKILL);
  for (auto& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return run;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

RenderedKind renderedKindOf(const std::string& directory) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(directory) / "Chart.yaml", ec)) return RenderedKind::kHelmChart;
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (fs::is_regular_file(fs::path(directory) / name, ec)) return RenderedKind::kKustomization;
  }
  return RenderedKind::kNone;
}

bool isHelmTemplate(const std::string& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(path), ec).lexically_normal();
  if (ec) return false;
  bool inTemplates = false;
  for (fs::path dir = absolute.parent_path(); !dir.empty() && dir != dir.parent_path(); dir = dir.parent_path()) {
    if (dir.filename() == "templates") inTemplates = true;
    if (inTemplates && fs::is_regular_file(dir / "Chart.yaml", ec)) return true;
  }
  return false;
}

std::vector<RenderedFile> splitHelmOutput(std::string_view output, const std::string& chartDirectory) {
  constexpr std::string_view kSource = "# Source: ";
  std::vector<RenderedFile> files;
  const auto fileFor = [&](std::string_view source) -> RenderedFile& {
    // "app/templates/x.yaml" -> "<chartDirectory>/templates/x.yaml"
    const size_t slash = source.find('/');
    const std::string name = (fs::path(chartDirectory) / std::string(slash == std::string_view::npos ? source : source.substr(slash + 1)))
                                 .lexically_normal()
                                 .string();
    for (auto& file : files) {
      if (file.name == name) return file;
    }
    return files.emplace_back(RenderedFile{name, ""});
  };
  RenderedFile* current = nullptr;
  std::string pending;  // lines of the current document before its Source comment ("---")
  size_t at = 0;
  while (at < output.size()) {
    size_t end = output.find('\n', at);
    end = end == std::string_view::npos ? output.size() : end + 1;
    const std::string_view line = output.substr(at, end - at);
    at = end;
    if (line.rfind("---", 0) == 0) {
      pending = std::string(line);
      continue;
    }
    if (line.rfind(kSource, 0) == 0) {
      std::string_view source = line.substr(kSource.size());
      while (!source.empty() && (source.back() == '\n' || source.back() == '\r' || source.back() == ' ')) {
        source.remove_suffix(1);
      }
      current = &fileFor(source);
      if (!current->text.empty()) current->text += "---\n";
      pending.clear();
      current->text += std::string(line);
      continue;
    }
    if (current == nullptr) current = &fileFor(fs::path(chartDirectory).filename().string() + "/Chart.yaml");
    if (!pending.empty()) {
      current->text += pending;
      pending.clear();
    }
    current->text += std::string(line);
  }
  return files;
}

Result<std::vector<RenderedFile>> renderDirectory(const std::string& directory, RenderedKind kind,
                                                  const RenderOptions& options) {
  const bool helm = kind == RenderedKind::kHelmChart;
  const std::string tool = helm ? "helm" : "kubectl";
  std::vector<std::string> argv;
  if (helm) {
    argv = {"helm", "template", "agentguard-check", directory};
    for (const auto& values : options.helmValues) {
      argv.push_back("--values");
      argv.push_back(values);
    }
  } else {
    argv = {"kubectl", "kustomize", directory};
  }
  const std::string what = helm ? directory + ": a Helm chart (Chart.yaml)" : directory + ": a Kustomize overlay (kustomization.yaml)";
  const ToolRun run = runTool(argv, options.maxBytes, options.timeout);
  if (!run.started) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + " that was not checked: " + tool + " cannot be run (" + run.startError + "); install " +
                         tool + " to render it, render it yourself and pipe the result (" +
                         (helm ? "helm template ... | agentguard check --stdin-name " + directory + " -"
                               : "kubectl kustomize " + directory + " | agentguard check -") +
                         "), or --exclude it");
  }
  if (run.timedOut) {
    return makeError(ErrorCode::kInvalidArgument, what + " that was not checked: " + tool + " did not finish within " +
                                                      std::to_string(options.timeout.count()) + "s");
  }
  if (run.oversized) {
    return makeError(ErrorCode::kInvalidArgument, what + " that was not checked: " + tool + " rendered more than the limit of " +
                                                      std::to_string(options.maxBytes) + " bytes");
  }
  if (run.exitCode != 0) {
    return makeError(ErrorCode::kInvalidArgument, what + " that could not be rendered: " + tool + " exited with " +
                                                      std::to_string(run.exitCode) + ": " + trimmed(run.err));
  }
  if (helm) return splitHelmOutput(run.out, directory);
  return std::vector<RenderedFile>{{(fs::path(directory) / "kustomization.yaml").lexically_normal().string(), run.out}};
}

}  // namespace agentguard::cli
