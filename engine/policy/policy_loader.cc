// Longer than most files, for a reason: it is the one place that reads policy files, so every message
// about a broken policy (file, line, field path, what is accepted) is written here in one voice, and the
// layering (later files override actions, severities, parameters and exemptions) sits next to the
// validation it depends on.
#include "engine/policy/policy_loader.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/manifest/field_path.h"
#include "common/manifest/yaml_stream.h"
#include "engine/policy/bundled_policies.h"
#include "engine/policy/parameter_reader.h"
#include "engine/policy/policy_digest.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;
using manifest::FieldPath;

constexpr std::string_view kApiVersion = "agentguard.io/v1alpha1";
constexpr std::string_view kKind = "Policy";
constexpr std::string_view kCredentialsCategory = "credentials";

// Parses "2027-03-31" (valid through that day, UTC) or "2027-03-31T12:00:00Z".
std::optional<std::chrono::system_clock::time_point> parseExpiry(const std::string& text) {
  std::tm parts{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char tail = 0;
  bool dateOnly = false;
  if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &year, &month, &day) == 3) {
    dateOnly = true;
  } else if (text.size() == 20 &&
             std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour, &minute, &second,
                         &tail) == 7 &&
             tail == 'Z') {
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  const std::time_t seconds = timegm(&parts);
  if (seconds == -1) return std::nullopt;
  auto point = std::chrono::system_clock::from_time_t(seconds);
  if (dateOnly) point += std::chrono::hours(24);
  return point;
}

// Collects problems for one document, each prefixed with file, line and field path.
class ProblemList {
 public:
  ProblemList(std::string source, std::shared_ptr<const manifest::SourceMap> map, std::vector<std::string>& out)
      : source_(std::move(source)), map_(std::move(map)), out_(out) {}

  void add(const FieldPath& path, const std::string& problem) {
    out_.push_back(source_ + ":" + std::to_string(map_->lineOf(path.str())) + ": " +
                   (path.empty() ? std::string() : path.str() + ": ") + problem);
  }
  void addFormatted(std::string problem) { out_.push_back(std::move(problem)); }
  int lineOf(std::string_view path) const { return map_->lineOf(path); }
  const std::string& source() const { return source_; }
  const std::shared_ptr<const manifest::SourceMap>& map() const { return map_; }

 private:
  std::string source_;
  std::shared_ptr<const manifest::SourceMap> map_;
  std::vector<std::string>& out_;
};

void rejectUnknownKeys(const Json& object, const FieldPath& path, std::initializer_list<std::string_view> known,
                       ProblemList& problems) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto name : known) list += (list.empty() ? "" : ", ") + std::string(name);
    problems.add(path.key(key), "unknown field; expected one of: " + list);
  }
}

const Json* requireObject(const Json& parent, std::string_view key, const FieldPath& path, ProblemList& problems,
                          bool required) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    if (required) problems.add(path.key(key), "is required");
    return nullptr;
  }
  if (!it->is_object()) {
    problems.add(path.key(key), "must be a mapping");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> optionalString(const Json& parent, std::string_view key, const FieldPath& path,
                                          ProblemList& problems) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    problems.add(path.key(key), "must be a string, got " + it->dump());
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::vector<std::string> stringList(const Json& parent, std::string_view key, const FieldPath& path,
                                    ProblemList& problems) {
  std::vector<std::string> items;
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return items;
  if (!it->is_array()) {
    problems.add(path.key(key), "must be a list of strings");
    return items;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& item = (*it)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      problems.add(path.key(key).index(i), "must be a non-empty string");
      continue;
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

class Compiler {
 public:
  explicit Compiler(const RuleCatalog& catalog) : catalog_(catalog) {}

  // Documents of later layers override rules that earlier layers declared; see compilePolicyLayers.
  void startLayer(size_t layer, std::string name) {
    layer_ = layer;
    set_.layers.push_back(std::move(name));
    policyNames_.clear();  // a name is unique within its layer; a later layer may reuse it
    layerRuleOrigins_.clear();
  }

  void compileDocument(const Json& document, ProblemList& problems) {
    const FieldPath root;
    if (!document.is_object()) {
      problems.add(root, "a policy document must be a mapping");
      return;
    }
    rejectUnknownKeys(document, root, {"apiVersion", "kind", "metadata", "spec"}, problems);
    const auto apiVersion = optionalString(document, "apiVersion", root, problems);
    const auto kind = optionalString(document, "kind", root, problems);
    if (apiVersion.value_or("") != kApiVersion) {
      problems.add(root.key("apiVersion"), "must be " + std::string(kApiVersion));
    }
    if (kind.value_or("") != kKind) problems.add(root.key("kind"), "must be " + std::string(kKind));

    Policy policy;
    policy.source = problems.source();
    if (const Json* metadata = requireObject(document, "metadata", root, problems, true)) {
      rejectUnknownKeys(*metadata, root.key("metadata"), {"name", "labels", "annotations"}, problems);
      policy.name = optionalString(*metadata, "name", root.key("metadata"), problems).value_or("");
      if (policy.name.empty()) problems.add(root.key("metadata").key("name"), "is required");
    }
    if (!policy.name.empty() && !policyNames_.insert(policy.name).second) {
      problems.add(root.key("metadata").key("name"), "policy \"" + policy.name + "\" is defined twice");
    }
    const size_t policyIndex = set_.policies.size();
    const Json* spec = requireObject(document, "spec", root, problems, true);
    if (spec != nullptr) {
      const FieldPath specPath = root.key("spec");
      rejectUnknownKeys(*spec, specPath, {"description", "rules", "exemptions"}, problems);
      optionalString(*spec, "description", specPath, problems);
      const Json* exemptions = requireObject(*spec, "exemptions", specPath, problems, false);
      const auto rules = spec->find("rules");
      if ((rules == spec->end() || rules->is_null()) && exemptions != nullptr) {
        policy.exemptions.coverEveryRule = true;  // an exemptions-only policy
      } else {
        compileRules(*spec, specPath, policyIndex, problems);
      }
      if (exemptions != nullptr) {
        compileExemptions(*exemptions, specPath.key("exemptions"), policy, problems);
        refuseWholesaleCredentialExemptions(policy, policyIndex, specPath.key("exemptions"), problems);
      }
    }
    set_.policies.push_back(std::move(policy));
  }

  PolicySet take() {
    for (const std::string& id : declared_) {
      RuleState& state = states_.at(id);
      if (!state.enabled || state.rule == nullptr) continue;
      RuleBinding binding;
      binding.definition = state.definition;
      binding.rule = std::move(state.rule);
      binding.action = state.action;
      binding.severity = state.severity;
      binding.policy = state.policy;
      binding.exemptionPolicies = state.exemptionPolicies;
      for (size_t i = 0; i < set_.policies.size(); ++i) {
        if (set_.policies[i].exemptions.coverEveryRule) binding.exemptionPolicies.push_back(i);
      }
      binding.layer = state.layer;
      binding.origin = state.origin;
      set_.rules.push_back(std::move(binding));
    }
    return std::move(set_);
  }
  bool empty() const {
    return std::none_of(states_.begin(), states_.end(), [](const auto& entry) { return entry.second.enabled; });
  }

 private:
  // A rule as the layers so far configure it.
  struct RuleState {
    const RuleDefinition* definition = nullptr;
    Action action = Action::kDeny;
    Severity severity = Severity::kHigh;
    Json parameters;  // as configured so far (later layers merge theirs in, key by key)
    bool enabled = true;
    RulePtr rule;     // null when the parameters did not compile
    size_t policy = 0;
    std::vector<size_t> exemptionPolicies;
    size_t layer = 0;
    std::string origin;
  };

  void compileRules(const Json& spec, const FieldPath& specPath, size_t policyIndex, ProblemList& problems) {
    const FieldPath rulesPath = specPath.key("rules");
    const auto it = spec.find("rules");
    if (it == spec.end() || !it->is_array() || it->empty()) {
      problems.add(rulesPath, "must be a non-empty list of rules (or leave it out in an exemptions-only policy)");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& entry = (*it)[i];
      const FieldPath path = rulesPath.index(i);
      if (!entry.is_object()) {
        problems.add(path, "each rule must be a mapping with an id");
        continue;
      }
      rejectUnknownKeys(entry, path, {"id", "enabled", "action", "severity", "parameters"}, problems);
      const std::string id = optionalString(entry, "id", path, problems).value_or("");
      const RuleDefinition* definition = catalog_.find(id);
      if (definition == nullptr) {
        problems.add(path.key("id"), id.empty() ? "is required" : "unknown rule \"" + id + "\"; `agentguard rules` lists them");
        continue;
      }
      const std::string origin = problems.source() + ":" + std::to_string(problems.lineOf(path.str()));
      const auto previous = ruleOrigins_.find(id);
      if (layer_ == 0 || previous == ruleOrigins_.end() || previous->second.second == layer_) {
        if (previous != ruleOrigins_.end()) {
          problems.add(path.key("id"), "rule \"" + id + "\" is already configured at " + previous->second.first);
          continue;
        }
        if (layer_ > 0) {
          problems.add(path.key("id"), "rule \"" + id + "\" is not declared by an earlier layer (" + layerList() +
                                           "); a later layer only overrides rules: declare it in the first layer, "
                                           "or name the layer that declares it before this one");
          continue;
        }
        ruleOrigins_.emplace(id, std::make_pair(origin, layer_));
        RuleState state;
        state.definition = definition;
        state.policy = policyIndex;
        state.exemptionPolicies.push_back(policyIndex);
        state.action = definition->info.defaultAction;
        state.severity = definition->info.defaultSeverity;
        state.layer = layer_;
        state.origin = origin;
        const auto params = entry.find("parameters");
        if (params != entry.end()) state.parameters = *params;
        readRuleFields(entry, path, state, problems);
        state.rule = createRule(*definition, params == entry.end() ? nullptr : &*params, path, problems);
        declared_.push_back(id);
        states_.emplace(id, std::move(state));
        continue;
      }
      // A later layer overriding a rule an earlier layer declared.
      if (const auto again = layerRuleOrigins_.find(id); again != layerRuleOrigins_.end()) {
        problems.add(path.key("id"), "rule \"" + id + "\" is already overridden in this layer at " + again->second);
        continue;
      }
      layerRuleOrigins_.emplace(id, origin);
      RuleState& state = states_.at(id);
      readRuleFields(entry, path, state, problems);
      state.exemptionPolicies.push_back(policyIndex);
      state.layer = layer_;
      state.origin = origin;
      if (const auto params = entry.find("parameters"); params != entry.end() && !params->is_null()) {
        if (!params->is_object()) {
          problems.add(path.key("parameters"), "parameters must be a mapping");
          continue;
        }
        Json merged = state.parameters.is_object() ? state.parameters : Json::object();
        for (const auto& [key, value] : params->items()) merged[key] = value;
        state.parameters = merged;
        state.rule = createRule(*definition, &merged, path, problems);
      }
    }
  }

  // enabled, action and severity of a rule entry, over what `state` holds.
  static void readRuleFields(const Json& entry, const FieldPath& path, RuleState& state, ProblemList& problems) {
    if (const auto e = entry.find("enabled"); e != entry.end()) {
      if (e->is_boolean()) state.enabled = e->get<bool>();
      else problems.add(path.key("enabled"), "must be true or false");
    }
    if (const auto action = optionalString(entry, "action", path, problems)) {
      if (!parseAction(*action, state.action)) {
        problems.add(path.key("action"), "\"" + *action + "\" is not one of deny, warn, audit");
      }
    }
    if (const auto severity = optionalString(entry, "severity", path, problems)) {
      if (!parseSeverity(*severity, state.severity)) {
        problems.add(path.key("severity"), "\"" + *severity + "\" is not one of critical, high, medium, low");
      }
    }
  }

  static RulePtr createRule(const RuleDefinition& definition, const Json* parameters, const FieldPath& path,
                            ProblemList& problems) {
    auto map = problems.map();
    ParameterReader reader(parameters, problems.source(), path.key("parameters").str(),
                           [map](std::string_view p) { return map->lineOf(p); });
    RulePtr rule = definition.create(reader);
    for (const auto& problem : reader.finish()) problems.addFormatted(problem);
    return reader.ok() ? std::move(rule) : nullptr;
  }

  std::string layerList() const {
    std::string text;
    for (size_t i = 0; i < layer_; ++i) text += (text.empty() ? "" : ", ") + set_.layers[i];
    return text;
  }

  void compileExemptions(const Json& exemptions, const FieldPath& path, Policy& policy, ProblemList& problems) {
    rejectUnknownKeys(exemptions, path, {"namespaces", "objects"}, problems);
    policy.exemptions.namespaces = stringList(exemptions, "namespaces", path, problems);
    const auto objects = exemptions.find("objects");
    if (objects == exemptions.end() || objects->is_null()) return;
    if (!objects->is_array()) {
      problems.add(path.key("objects"), "must be a list");
      return;
    }
    for (size_t i = 0; i < objects->size(); ++i) {
      const Json& entry = (*objects)[i];
      const FieldPath entryPath = path.key("objects").index(i);
      if (!entry.is_object()) {
        problems.add(entryPath, "must be a mapping with kind, namespace, name and reason");
        continue;
      }
      rejectUnknownKeys(entry, entryPath, {"kind", "namespace", "name", "rules", "reason", "expires"}, problems);
      ObjectExemption exemption;
      exemption.origin = problems.source() + ":" + std::to_string(problems.lineOf(entryPath.str()));
      exemption.kind = optionalString(entry, "kind", entryPath, problems).value_or("");
      exemption.namespace_ = optionalString(entry, "namespace", entryPath, problems).value_or("*");
      exemption.name = optionalString(entry, "name", entryPath, problems).value_or("");
      exemption.reason = optionalString(entry, "reason", entryPath, problems).value_or("");
      if (exemption.kind.empty()) problems.add(entryPath.key("kind"), "is required (a kind, or \"*\")");
      if (exemption.name.empty()) problems.add(entryPath.key("name"), "is required (a name, \"prefix*\" or \"*\")");
      if (exemption.reason.empty()) {
        problems.add(entryPath.key("reason"), "is required: say why this object may break the policy");
      }
      exemption.rules = stringList(entry, "rules", entryPath, problems);
      for (size_t r = 0; r < exemption.rules.size(); ++r) {
        if (catalog_.find(exemption.rules[r]) == nullptr) {
          problems.add(entryPath.key("rules").index(r), "unknown rule \"" + exemption.rules[r] + "\"");
        }
      }
      if (const auto expires = optionalString(entry, "expires", entryPath, problems)) {
        exemption.expires = parseExpiry(*expires);
        if (!exemption.expires) {
          problems.add(entryPath.key("expires"),
                       "\"" + *expires + "\" is not a date (2027-03-31) or UTC time (2027-03-31T12:00:00Z)");
        }
      }
      policy.exemptions.objects.push_back(std::move(exemption));
    }
  }

  // Credentials are never exempted wholesale: a namespace holds many objects and is where an agent writes, so
  // a namespace exemption (or an object exemption whose kind or name is a pattern) would let any credential
  // written there through. Credentials rules are exempted object by object, with exact kind and name.
  void refuseWholesaleCredentialExemptions(const Policy& policy, size_t policyIndex, const FieldPath& path,
                                           ProblemList& problems) const {
    std::vector<std::string> credentialRules;  // enabled credentials rules this policy's exemptions apply to
    for (const std::string& id : declared_) {
      const RuleState& state = states_.at(id);
      const bool applies = std::find(state.exemptionPolicies.begin(), state.exemptionPolicies.end(), policyIndex) !=
                           state.exemptionPolicies.end();
      if (applies && state.enabled && state.definition->info.category == kCredentialsCategory) {
        credentialRules.push_back(id);
      }
    }
    if (!policy.exemptions.namespaces.empty() && !credentialRules.empty()) {
      problems.add(path.key("namespaces"),
                   "credentials rules (" + credentialRules.front() + (credentialRules.size() > 1 ? ", ..." : "") +
                       ") cannot be exempted by namespace; move the namespace exemption to a policy without "
                       "credentials rules, or exempt single objects under exemptions.objects with exact kind and name");
    }
    for (size_t i = 0; i < policy.exemptions.objects.size(); ++i) {
      const ObjectExemption& exemption = policy.exemptions.objects[i];
      const bool wholesale = exemption.kind.find('*') != std::string::npos ||
                             exemption.name.find('*') != std::string::npos;
      if (!wholesale) continue;
      const auto covers = [&exemption](const std::string& id) {
        return exemption.rules.empty() || std::find(exemption.rules.begin(), exemption.rules.end(), id) !=
                                              exemption.rules.end();
      };
      const auto covered = std::find_if(credentialRules.begin(), credentialRules.end(), covers);
      const bool namesCredentialRule = std::any_of(exemption.rules.begin(), exemption.rules.end(), [this](const auto& id) {
        const RuleDefinition* definition = catalog_.find(id);
        return definition != nullptr && definition->info.category == kCredentialsCategory;
      });
      if (covered == credentialRules.end() && !namesCredentialRule) continue;
      problems.add(path.key("objects").index(i),
                   "an exemption of credentials rules must name one object: give an exact kind and name (no \"*\"), "
                   "or leave the credentials rules out of its rules list");
    }
  }

  const RuleCatalog& catalog_;
  PolicySet set_;
  size_t layer_ = 0;
  std::set<std::string> policyNames_;
  std::map<std::string, std::pair<std::string, size_t>> ruleOrigins_;  // id -> declaring "file:line", layer
  std::map<std::string, std::string> layerRuleOrigins_;                 // overrides in the current layer
  std::vector<std::string> declared_;                                   // rule ids in declaration order
  std::map<std::string, RuleState> states_;
};

bool isPolicyFileName(const std::filesystem::path& path) {
  const auto extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

}  // namespace

bool matchesPattern(std::string_view pattern, std::string_view value) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.back() == '*') {
    const auto prefix = pattern.substr(0, pattern.size() - 1);
    return value.substr(0, prefix.size()) == prefix;
  }
  return pattern == value;
}

Result<PolicySet> compilePolicyLayers(const std::vector<PolicyLayer>& layers, const RuleCatalog& catalog) {
  Compiler compiler(catalog);
  std::vector<std::string> problems;
  std::vector<std::string> layerDigests;
  for (size_t layer = 0; layer < layers.size(); ++layer) {
    compiler.startLayer(layer, layers[layer].name);
    std::vector<Json> policyDocuments;  // every document read, for the digest
    for (const auto& file : layers[layer].files) {
      auto documents = manifest::parseYamlStream(file.text);
      if (!documents) {
        problems.push_back(file.name + ": " + documents.error().message);
        continue;
      }
      for (const auto& document : *documents) {
        ProblemList list(file.name, document.sourceMap, problems);
        compiler.compileDocument(document.value, list);
        policyDocuments.push_back(document.value);
      }
    }
    layerDigests.push_back(policyDigest(policyDocuments));
  }
  if (problems.empty() && compiler.empty()) {
    problems.push_back("no rule is enabled: the policy files configure no rules");
  }
  if (!problems.empty()) {
    Error error = makeError(ErrorCode::kInvalidArgument, "invalid policy: " + problems.front());
    error.causes = std::move(problems);
    return error;
  }
  PolicySet set = compiler.take();
  set.digest = layeredPolicyDigest(layerDigests);
  return set;
}

Result<PolicySet> compilePolicies(const std::vector<PolicyFile>& files, const RuleCatalog& catalog) {
  return compilePolicyLayers({PolicyLayer{"", files}}, catalog);
}

Result<std::vector<PolicyFile>> readPolicyFiles(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> paths;
  if (fs::is_regular_file(path, ec)) {
    paths.push_back(path);
  } else if (fs::is_directory(path, ec)) {
    fs::recursive_directory_iterator it(path, fs::directory_options::follow_directory_symlink, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (!name.empty() && name.front() == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec)) {
        if (name == "cases") it.disable_recursion_pending();
        continue;
      }
      if (isPolicyFileName(it->path())) paths.push_back(it->path());
    }
    if (ec) return makeError(ErrorCode::kInvalidArgument, "cannot read policy directory " + path.string() + ": " + ec.message());
  } else {
    return makeError(ErrorCode::kInvalidArgument, "policy path " + path.string() + " does not exist");
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) return makeError(ErrorCode::kInvalidArgument, "no policy files (*.yaml) found in " + path.string());
  std::vector<PolicyFile> files;
  for (const auto& file : paths) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return makeError(ErrorCode::kInvalidArgument, "cannot read policy file " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    files.push_back(PolicyFile{file.string(), text.str()});
  }
  return files;
}

Result<PolicySet> loadPolicies(const std::filesystem::path& path, const RuleCatalog& catalog) {
  auto files = readPolicyFiles(path);
  if (!files) return std::move(files).error();
  return compilePolicies(*files, catalog);
}

Result<std::vector<PolicyLayer>> readPolicyLayers(const std::vector<std::string>& sources) {
  std::vector<PolicyLayer> layers;
  for (const auto& source : sources) {
    if (source == kBuiltinPolicySource) {
      layers.push_back({source, bundledPolicyFiles()});
      continue;
    }
    auto files = readPolicyFiles(source);
    if (!files) return std::move(files).error();
    layers.push_back({source, std::move(files).value()});
  }
  if (layers.empty()) return makeError(ErrorCode::kInvalidArgument, "no policy source given");
  return layers;
}

Result<PolicySet> loadPolicyLayers(const std::vector<std::string>& sources, const RuleCatalog& catalog) {
  auto layers = readPolicyLayers(sources);
  if (!layers) return std::move(layers).error();
  return compilePolicyLayers(*layers, catalog);
}

}  // namespace agentguard::engine
