#include "gate/policy/sandbox_tool_policy.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "common/text/ascii.h"
#include "gate/policy/http_url.h"
#include "gate/policy/matcher_messages.h"
#include "gate/policy/method_target.h"

namespace agentguard::gate::policy {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxServers = 32;
constexpr size_t kMaxMethods = 64;
constexpr size_t kMaxMethodParams = 1024;
constexpr size_t kMaxArgumentTools = 1024;
constexpr size_t kMaxPointersPerTool = 256;
constexpr size_t kMaxEgressHosts = 256;

// Every problem found, each "<field path>: <what is wrong>; <fix>".
class Problems {
 public:
  void add(std::string path, std::string_view problem) { list_.push_back(std::move(path) + ": " + std::string(problem)); }
  void add(const Error& error) { list_.push_back(error.message); }
  bool empty() const { return list_.empty(); }
  std::vector<std::string> take() { return std::move(list_); }

 private:
  std::vector<std::string> list_;
};

bool isDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return text::isLowerAlnum(c) || c == '-'; });
}

bool isSecretName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return text::isLowerAlnum(c) || c == '-' || c == '.'; });
}

bool isSecretKey(std::string_view key) {
  if (key.empty() || key.size() > 253) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return text::isAlnum(c) || c == '-' || c == '.' || c == '_'; });
}

// Refuses keys of `object` outside `known`: a misspelt key (argument for arguments) must not drop a rule.
bool onlyKnownKeys(const Json& object, std::initializer_list<std::string_view> known, const std::string& path,
                   Problems& problems) {
  bool clean = true;
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view name : known) names += (names.empty() ? "" : ", ") + std::string(name);
      problems.add(path + "." + key, "is not a field here; use " + names);
      clean = false;
    }
  }
  return clean;
}

std::optional<SecretKeyRef> readSecretRef(const Json& spec, const std::string& path, Problems& problems) {
  if (!spec.is_object()) {
    problems.add(path, "must be an object with name and key; name the Secret and its key");
    return std::nullopt;
  }
  onlyKnownKeys(spec, {"name", "key"}, path, problems);
  SecretKeyRef ref;
  const auto name = spec.find("name");
  const auto key = spec.find("key");
  if (name == spec.end() || !name->is_string() || !isSecretName(name->get_ref<const std::string&>())) {
    problems.add(path + ".name", "must be the name of a Secret in the sandbox's namespace");
    return std::nullopt;
  }
  if (key == spec.end() || !key->is_string() || !isSecretKey(key->get_ref<const std::string&>())) {
    problems.add(path + ".key", "must be a key of that Secret ([-._a-zA-Z0-9]+)");
    return std::nullopt;
  }
  ref.name = name->get<std::string>();
  ref.key = key->get<std::string>();
  return ref;
}

std::vector<MethodRule> readMethods(const Json& spec, const std::string& path, Problems& problems) {
  std::vector<MethodRule> methods;
  if (!spec.is_array() || spec.size() > kMaxMethods) {
    problems.add(path, "must be a list of at most 64 {name, params}; list the methods beyond the base protocol");
    return methods;
  }
  for (size_t i = 0; i < spec.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    const Json& entry = spec[i];
    if (!entry.is_object()) {
      problems.add(at, "must be an object {name, params}");
      continue;
    }
    onlyKnownKeys(entry, {"name", "params"}, at, problems);
    const auto name = entry.find("name");
    if (name == entry.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      problems.add(at + ".name", "must name a JSON-RPC method, e.g. tools/call");
      continue;
    }
    MethodRule rule;
    rule.name = name->get<std::string>();
    if (std::any_of(methods.begin(), methods.end(), [&](const MethodRule& m) { return m.name == rule.name; })) {
      problems.add(at + ".name", "repeats \"" + rule.name + "\"; list each method once with all its params");
      continue;
    }
    if (const auto params = entry.find("params"); params != entry.end()) {
      if (!params->is_array() || params->size() > kMaxMethodParams) {
        problems.add(at + ".params", "must be a list of at most 1024 names");
        continue;
      }
      for (size_t j = 0; j < params->size(); ++j) {
        const Json& param = (*params)[j];
        if (!param.is_string() || param.get_ref<const std::string&>().empty()) {
          problems.add(at + ".params[" + std::to_string(j) + "]", "must be a non-empty name");
          continue;
        }
        rule.params.push_back(param.get<std::string>());
      }
    }
    if (methodTarget(rule.name) != MethodTarget::kNone && rule.params.empty()) {
      problems.add(at + ".params", rule.name + " acts on what params names; list the " +
                                       (methodTarget(rule.name) == MethodTarget::kUri ? "URIs" : "names") +
                                       " allowed (an empty list allows none)");
    }
    methods.push_back(std::move(rule));
  }
  return methods;
}

void readArguments(const Json& spec, const std::string& path, ToolServer& server, Problems& problems) {
  if (!spec.is_object() || spec.size() > kMaxArgumentTools) {
    problems.add(path, "must map tool names to {JSON Pointer: matcher}");
    return;
  }
  for (const auto& [tool, pointers] : spec.items()) {
    const std::string toolPath = path + "." + tool;
    if (!server.toolAllowed(tool)) {
      problems.add(toolPath, "is not in methods[tools/call].params, so it cannot be called; add it there or remove "
                             "its rules (a misspelt tool name would leave the real tool unchecked)");
      continue;
    }
    if (!pointers.is_object() || pointers.empty() || pointers.size() > kMaxPointersPerTool) {
      problems.add(toolPath, "must map 1 to 256 JSON Pointers (e.g. /url) to matchers");
      continue;
    }
    std::vector<ArgumentMatcher>& matchers = server.arguments[tool];
    for (const auto& [pointer, matcherSpec] : pointers.items()) {
      Result<ArgumentMatcher> matcher = ArgumentMatcher::parse(
          pointer, matcherSpec, toolPath + "." + pointer, "tools.servers[" + server.name + "].arguments." + tool + "." + pointer);
      if (!matcher) {
        problems.add(matcher.error());
        continue;
      }
      matchers.push_back(std::move(matcher).value());
    }
  }
}

std::optional<ToolServer> readServer(const Json& spec, const std::string& path, Problems& problems) {
  if (!spec.is_object()) {
    problems.add(path, "must be an object {name, url, methods, ...}");
    return std::nullopt;
  }
  onlyKnownKeys(spec, {"name", "url", "credentialsSecretRef", "methods", "arguments"}, path, problems);
  ToolServer server;
  const auto name = spec.find("name");
  if (name == spec.end() || !name->is_string() || !isDnsLabel(name->get_ref<const std::string&>())) {
    problems.add(path + ".name", "must be a DNS label ([a-z0-9-], at most 63); the agent reaches it at $MCP_GATEWAY_URL/<name>");
    return std::nullopt;
  }
  server.name = name->get<std::string>();
  const auto url = spec.find("url");
  if (url == spec.end() || !url->is_string()) {
    problems.add(path + ".url", "must be the MCP server's http(s) URL");
  } else {
    Result<HttpUrl> parsed = parseHttpUrl(url->get_ref<const std::string&>());
    if (!parsed) {
      problems.add(path + ".url", parsed.error().message + "; write http(s)://host[:port]/path");
    } else if (parsed->hasFragment) {
      problems.add(path + ".url", "has a fragment; remove the '#...' part");
    }
    server.url = url->get<std::string>();
  }
  if (const auto ref = spec.find("credentialsSecretRef"); ref != spec.end()) {
    server.credentialsSecretRef = readSecretRef(*ref, path + ".credentialsSecretRef", problems);
  }
  if (const auto methods = spec.find("methods"); methods != spec.end()) {
    server.methods = readMethods(*methods, path + ".methods", problems);
  }
  if (const auto arguments = spec.find("arguments"); arguments != spec.end()) {
    readArguments(*arguments, path + ".arguments", server, problems);
  }
  return server;
}

void readTools(const Json& tools, SandboxToolPolicy& policy, Problems& problems) {
  if (!tools.is_object()) {
    problems.add("spec.tools", "must be an object {mode, servers}");
    return;
  }
  onlyKnownKeys(tools, {"mode", "servers"}, "spec.tools", problems);
  if (const auto mode = tools.find("mode"); mode != tools.end()) {
    if (*mode == "Enforce") {
      policy.mode = ToolsMode::kEnforce;
    } else if (*mode == "Audit") {
      policy.mode = ToolsMode::kAudit;
    } else {
      problems.add("spec.tools.mode", "must be Enforce or Audit");
    }
  }
  const auto servers = tools.find("servers");
  if (servers == tools.end() || !servers->is_array() || servers->empty() || servers->size() > kMaxServers) {
    problems.add("spec.tools.servers", "must list 1 to 32 MCP servers");
    return;
  }
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < servers->size(); ++i) {
    const std::string path = "spec.tools.servers[" + std::to_string(i) + "]";
    std::optional<ToolServer> server = readServer((*servers)[i], path, problems);
    if (!server) continue;
    if (!names.insert(server->name).second) {
      problems.add(path + ".name", "repeats \"" + server->name + "\"; give each server its own name");
      continue;
    }
    policy.servers.push_back(std::move(*server));
  }
}

void readEgressHosts(const Json& hosts, SandboxToolPolicy& policy, Problems& problems) {
  const std::string path = "spec.network.egressHosts";
  if (!hosts.is_array() || hosts.size() > kMaxEgressHosts) {
    problems.add(path, "must be a list of at most 256 host:port entries");
    return;
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!hosts[i].is_string()) {
      problems.add(at, "must be host:port as a string, e.g. api.github.com:443");
      continue;
    }
    Result<EgressHostPattern> pattern = EgressHostPattern::parse(hosts[i].get_ref<const std::string&>());
    if (!pattern) {
      problems.add(at, pattern.error().message);
      continue;
    }
    policy.egressHosts.push_back(std::move(pattern).value());
  }
}

std::string stringAt(const Json& object, std::string_view key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

bool MethodRule::allows(std::string_view target) const {
  return std::find(params.begin(), params.end(), target) != params.end();
}

const MethodRule* ToolServer::method(std::string_view wanted) const {
  const auto found = std::find_if(methods.begin(), methods.end(), [&](const MethodRule& m) { return m.name == wanted; });
  return found == methods.end() ? nullptr : &*found;
}

bool ToolServer::toolAllowed(std::string_view tool) const {
  const MethodRule* call = method("tools/call");
  return call != nullptr && call->allows(tool);
}

const ToolServer* SandboxToolPolicy::server(std::string_view name) const {
  const auto found = std::find_if(servers.begin(), servers.end(), [&](const ToolServer& s) { return s.name == name; });
  return found == servers.end() ? nullptr : &*found;
}

Result<SandboxToolPolicy> parseSandboxToolPolicy(const nlohmann::json& sandbox) {
  SandboxToolPolicy policy;
  Problems problems;
  if (!sandbox.is_object()) {
    return makeError(ErrorCode::kInvalidArgument, "AgentSandbox: is not an object; pass the object as the API returns it");
  }
  if (const auto metadata = sandbox.find("metadata"); metadata != sandbox.end() && metadata->is_object()) {
    policy.namespaceName = stringAt(*metadata, "namespace");
    policy.sandboxName = stringAt(*metadata, "name");
    policy.sandboxUid = stringAt(*metadata, "uid");
  }
  const auto spec = sandbox.find("spec");
  if (spec != sandbox.end() && !spec->is_object()) problems.add("spec", "must be an object");
  if (spec != sandbox.end() && spec->is_object()) {
    if (const auto tools = spec->find("tools"); tools != spec->end()) readTools(*tools, policy, problems);
    if (const auto network = spec->find("network"); network != spec->end() && network->is_object()) {
      if (const auto hosts = network->find("egressHosts"); hosts != network->end()) {
        readEgressHosts(*hosts, policy, problems);
      }
    }
  }
  if (problems.empty()) return policy;
  std::vector<std::string> causes = problems.take();
  Error error = makeError(ErrorCode::kInvalidArgument,
                          "AgentSandbox " + policy.namespaceName + "/" + policy.sandboxName + ": " + causes.front());
  error.causes = std::move(causes);
  return error;
}

}  // namespace agentguard::gate::policy
