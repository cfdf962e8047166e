#include "engine/policy/policy_cases.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "common/manifest/manifest_object.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/skip_annotations.h"

namespace agentguard::engine {
namespace {

constexpr std::string_view kExpectMarker = "# expect: ";
constexpr std::string_view kUnlistedMarker = "# unlisted: ";

bool isCaseFileName(const std::filesystem::path& path) {
  const auto extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml";
}

PolicyCaseOutcome malformed(std::string problem) {
  return {PolicyCaseOutcome::Status::kMalformed, {std::move(problem)}};
}

}  // namespace

std::vector<std::string> expectedRules(std::string_view text) {
  std::vector<std::string> rules;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kExpectMarker, 0) != 0) continue;
    std::istringstream fields(line.substr(kExpectMarker.size()));
    std::string rule;
    if (fields >> rule) rules.push_back(rule);
  }
  return rules;
}

Result<std::vector<PolicyCaseFile>> findPolicyCases(const std::filesystem::path& dir, const PolicySet& policies) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return makeError(ErrorCode::kInvalidArgument, dir.string() + " is not a directory");
  std::vector<fs::path> all;
  std::vector<fs::path> inCasesFolders;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec) || !isCaseFileName(it->path())) continue;
    all.push_back(it->path());
    if (it->path().parent_path().filename() == "cases") inCasesFolders.push_back(it->path());
  }
  if (ec) return makeError(ErrorCode::kInvalidArgument, "cannot read " + dir.string() + ": " + ec.message());
  std::vector<fs::path>& chosen = inCasesFolders.empty() ? all : inCasesFolders;
  std::sort(chosen.begin(), chosen.end());
  std::vector<PolicyCaseFile> cases;
  for (const auto& path : chosen) {
    PolicyCaseFile file{path, ""};
    if (path.parent_path().filename() == "cases") {
      const std::string owner = path.parent_path().parent_path().filename().string();
      const bool known = std::any_of(policies.policies.begin(), policies.policies.end(),
                                     [&owner](const Policy& policy) { return policy.name == owner; });
      if (known) file.policy = owner;
    }
    cases.push_back(std::move(file));
  }
  if (cases.empty()) return makeError(ErrorCode::kInvalidArgument, "no case files (*.yaml) found in " + dir.string());
  return cases;
}

PolicyCaseOutcome runPolicyCase(const Engine& engine, const std::string& name, std::string_view text,
                                std::string_view policy) {
  const std::string file = std::filesystem::path(name).filename().string();
  const std::string prefix = file.substr(0, file.find('-'));
  Action expectedAction = Action::kDeny;
  const bool allow = prefix == "allow";
  if (!allow && (file.find('-') == std::string::npos || !parseAction(prefix, expectedAction))) {
    return malformed("the file name must start with allow-, deny-, warn- or audit-");
  }
  auto objects = manifest::loadManifests(text, name);
  if (!objects) return malformed(objects.error().describe());
  if (objects->empty()) return malformed("holds no Kubernetes object");

  // The rules in scope: those of the case's policy, or every rule of the set; and the refusal of a
  // malformed agentguard.io/skip, which belongs to no policy.
  std::set<std::string> scope = {std::string(kSkipAnnotationRule)};
  const PolicySet& set = engine.policies();
  for (const auto& binding : set.rules) {
    if (policy.empty() || set.policies[binding.policy].name == policy) scope.insert(binding.definition->info.id);
  }

  const DocumentNetworkPolicySource source(*objects, "default");
  EvaluationContext context;
  context.networkPolicies = &source;
  context.honourSkipAnnotations = true;  // as `agentguard check` does
  Findings findings;
  for (const auto& object : *objects) {
    for (auto& finding : engine.evaluate(object.body, context)) findings.push_back(std::move(finding));
  }

  PolicyCaseOutcome outcome;
  const auto fail = [&outcome](std::string problem) {
    outcome.status = PolicyCaseOutcome::Status::kFailed;
    outcome.problems.push_back(std::move(problem));
  };
  if (allow) {
    for (const auto& finding : findings) {
      if (scope.count(finding.rule) != 0) fail("expected to pass, got " + finding.rule + ": " + finding.describe());
    }
    return outcome;
  }

  std::istringstream lines{std::string(text)};
  int expectations = 0;
  std::set<std::pair<std::string, std::string>> expected;
  std::set<std::string> unlisted;
  std::optional<Action> strongest;
  int lineNumber = 0;
  for (std::string line; std::getline(lines, line);) {
    ++lineNumber;
    if (line.rfind(kUnlistedMarker, 0) == 0) {
      std::istringstream rules(line.substr(kUnlistedMarker.size()));
      for (std::string rule; rules >> rule;) unlisted.insert(rule);
      continue;
    }
    if (line.rfind(kExpectMarker, 0) != 0) continue;
    std::istringstream fields(line.substr(kExpectMarker.size()));
    std::string rule, path;
    if (!(fields >> rule >> path)) {
      return malformed("line " + std::to_string(lineNumber) + ": \"# expect:\" needs a rule and a field path");
    }
    ++expectations;
    expected.emplace(rule, path);
    bool matched = false;
    for (const auto& finding : findings) {
      if (finding.rule != rule || finding.path != path) continue;
      matched = true;
      // deny < warn < audit in Action's order: the strongest action of the expected findings.
      if (!strongest || finding.action < *strongest) strongest = finding.action;
      if (finding.message.empty() || finding.fix.empty()) fail(rule + " at " + path + " has no message or fix");
    }
    if (!matched) {
      std::string got;
      for (const auto& finding : findings) got += "\n  " + finding.rule + " " + finding.path;
      fail("expected " + rule + " at " + path + "; findings:" + (got.empty() ? " none" : got));
    }
  }
  if (expectations == 0) return malformed("names no \"# expect: <rule> <path>\" line");
  if (strongest && *strongest != expectedAction) {
    fail("the file name states " + std::string(actionName(expectedAction)) +
         ", but the strongest action of the expected findings is " + std::string(actionName(*strongest)));
  }
  for (const auto& rule : unlisted) {
    const bool fired = std::any_of(findings.begin(), findings.end(), [&rule](const Finding& f) { return f.rule == rule; });
    if (!fired) fail("\"# unlisted: " + rule + "\" names a rule that does not fire here; remove it");
    for (const auto& [expectedRule, path] : expected) {
      if (expectedRule == rule) fail(rule + " is both expected and unlisted");
    }
  }
  for (const auto& finding : findings) {
    if (scope.count(finding.rule) == 0 || unlisted.count(finding.rule) > 0) continue;
    if (expected.count({finding.rule, finding.path}) == 0) {
      fail("finding not listed as \"# expect: " + finding.rule + " " + finding.path + "\": " + finding.describe());
    }
  }
  return outcome;
}

}  // namespace agentguard::engine
