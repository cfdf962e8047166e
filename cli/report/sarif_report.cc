// SARIF 2.1.0 output, shaped for GitHub code scanning: one run, the rules that fired as
// tool.driver.rules (with security-severity so alerts get a severity), one result per finding.
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/report/check_report.h"
#include "common/text/ascii.h"

namespace agentguard::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kSourceRoot = "%SRCROOT%";
// v2: the file is part of the key, so the same object in two overlays gives two alerts, not one.
constexpr std::string_view kFingerprintKey = "agentguardFinding/v2";

std::string_view sarifLevel(engine::Action action) {
  switch (action) {
    case engine::Action::kDeny: return "error";
    case engine::Action::kWarn: return "warning";
    case engine::Action::kAudit: return "note";
  }
  return "error";
}

// GitHub maps these to critical (>= 9.0), high (7.0-8.9), medium (4.0-6.9) and low (0.1-3.9).
std::string_view securitySeverity(engine::Severity severity) {
  switch (severity) {
    case engine::Severity::kCritical: return "9.5";
    case engine::Severity::kHigh: return "8.0";
    case engine::Severity::kMedium: return "5.5";
    case engine::Severity::kLow: return "3.0";
  }
  return "8.0";
}

// "privilege.privileged-container" -> "PrivilegedContainer": SARIF wants an identifier-like name.
std::string ruleName(std::string_view id) {
  const size_t dot = id.rfind('.');
  const std::string_view tail = dot == std::string_view::npos ? id : id.substr(dot + 1);
  std::string name;
  bool upper = true;
  for (const char c : tail) {
    if (c == '-' || c == '_' || c == '.') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name.empty() ? std::string(id) : name;
}

// Ends `text` with a full stop unless it already ends a sentence.
std::string sentence(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out.back() != '.' && out.back() != '!' && out.back() != '?') out += '.';
  return out;
}

// "Deployment/agents/scraper", or "Namespace/sandbox" for a cluster-scoped object.
std::string qualifiedObjectName(const engine::Finding& f) {
  std::string name = f.kind + "/";
  if (!f.namespace_.empty()) name += f.namespace_ + "/";
  name += f.name.empty() ? "(unnamed)" : f.name;
  return name;
}

// Percent-encodes everything but RFC 3986 unreserved characters and "/".
std::string encodeUriPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (text::isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

// Where %SRCROOT% points and relative URIs start: the top level of the git work tree holding the
// working directory (the nearest ancestor with a .git entry, as `git rev-parse --show-toplevel` finds it,
// without running git), else the working directory. Code scanning resolves URIs against the repository
// root, so a check run from a subdirectory still points at the right files.
std::filesystem::path sourceRoot() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return {};
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    if (fs::exists(dir / ".git", ec)) return dir;
    if (dir == dir.parent_path()) break;
  }
  return cwd;
}

// "file:///abs/dir/" for a directory.
std::string directoryUri(const std::filesystem::path& dir) {
  std::string path = dir.generic_string();
  if (path.empty() || path.back() != '/') path += '/';
  return "file://" + encodeUriPath(path);
}

// An artifactLocation for an input: relative to the source root under %SRCROOT%, "stdin" for "-", or an
// absolute file URI for a file outside the source root.
Json artifactLocation(const std::string& source, const std::filesystem::path& root) {
  if (source == "-") return Json{{"uri", "stdin"}};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path absolute = fs::absolute(fs::path(source), ec).lexically_normal();
  if (ec || root.empty()) return Json{{"uri", encodeUriPath(fs::path(source).lexically_normal().generic_string())}};
  const fs::path relative = absolute.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    return Json{{"uri", "file://" + encodeUriPath(absolute.generic_string())}};
  }
  return Json{{"uri", encodeUriPath(relative.generic_string())}, {"uriBaseId", kSourceRoot}};
}

// 64-bit FNV-1a: stable across runs, platforms and builds, unlike std::hash.
uint64_t fnv1a(std::string_view text, uint64_t hash) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Identifies a finding across runs independently of its line: the file (its URI as reported), the rule,
// the object and the field.
std::string fingerprint(const engine::Finding& f, std::string_view uri) {
  std::string key(uri);
  key += '\0';
  key += f.rule;
  key += '\0';
  key += qualifiedObjectName(f);
  key += '\0';
  key += f.path;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  // Two differently seeded passes give 128 bits, so unrelated findings do not collide in practice.
  for (const uint64_t seed : {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL}) {
    const uint64_t hash = fnv1a(key, seed);
    for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(hash >> shift) & 0x0F];
  }
  return out;
}

// The descriptor depends only on the rule and the policies' action and severity for it, never on which
// object fired first, so it is the same from run to run.
Json ruleDescriptor(const std::string& id, const engine::RuleInfo* info, const engine::Finding& first) {
  const std::string title = info != nullptr ? info->title : id;
  const std::string description = info != nullptr ? info->description : first.message;
  const std::string category = info != nullptr ? info->category : first.category;
  const std::string uri = ruleHelpUri(id);
  Json rule;
  rule["id"] = id;
  rule["name"] = ruleName(id);
  rule["shortDescription"] = {{"text", title}};
  rule["fullDescription"] = {{"text", description}};
  rule["helpUri"] = uri;
  rule["help"] = {{"text", sentence(description) + "\nFix: see " + uri + " (each result names the change for its object)."},
                  {"markdown", "**" + title + "** (`" + id + "`)\n\n" + sentence(description) + "\n\n**Fix**: see [" +
                                   id + "](" + uri + "); each result names the change for its object."}};
  // The policies of this run chose the level and severity; the first finding carries them.
  rule["defaultConfiguration"] = {{"level", sarifLevel(first.action)}};
  rule["properties"] = {{"tags", Json::array({"security", category})},
                        {"security-severity", securitySeverity(first.severity)},
                        {"precision", "high"}};
  return rule;
}

Json result(const LocatedFinding& located, size_t ruleIndex, const std::filesystem::path& root) {
  const engine::Finding& f = located.finding;
  const std::string object = qualifiedObjectName(f);
  Json physical;
  physical["artifactLocation"] = artifactLocation(located.source, root);
  const std::string uri = physical["artifactLocation"]["uri"];
  physical["region"] = {{"startLine", located.line < 1 ? 1 : located.line}};

  Json item;
  item["ruleId"] = f.rule;
  item["ruleIndex"] = ruleIndex;
  item["level"] = sarifLevel(f.action);
  item["message"] = {{"text", f.objectName() + ": " + f.path + ": " + sentence(f.message) + " Fix: " + sentence(f.fix)}};
  item["locations"] = Json::array(
      {{{"physicalLocation", std::move(physical)},
        {"logicalLocations",
         Json::array({{{"name", f.name.empty() ? "(unnamed)" : f.name}, {"fullyQualifiedName", object}, {"kind", "object"}},
                      {{"name", f.path}, {"fullyQualifiedName", object + ":" + f.path}, {"kind", "property"}}})}}});
  item["partialFingerprints"] = {{kFingerprintKey, fingerprint(f, uri)}};
  item["properties"] = {{"severity", engine::severityName(f.severity)},
                        {"action", engine::actionName(f.action)},
                        {"category", f.category},
                        {"fix", f.fix}};
  // Skipped by the object's agentguard.io/skip annotation: a suppression in the source, with its reason.
  if (!f.skipReason.empty()) {
    item["suppressions"] = Json::array({{{"kind", "inSource"}, {"justification", f.skipReason}}});
  }
  return item;
}

// The run's one invocation: successful only when every input was read and parsed; each input that was
// not is an error notification located at the input (and line, when known).
Json invocation(const CheckReport& report, const std::filesystem::path& root) {
  Json notifications = Json::array();
  for (const auto& error : report.errors) {
    Json notification = {{"level", "error"},
                         {"message", {{"text", sentence(error.message)}}},
                         {"descriptor", {{"id", "agentguard.input-error"}}}};
    if (!error.source.empty()) {  // empty: about the inputs as a whole (--fail-if-no-objects)
      Json physical;
      physical["artifactLocation"] = artifactLocation(error.source, root);
      if (error.line > 0) physical["region"] = {{"startLine", error.line}};
      notification["locations"] = Json::array({{{"physicalLocation", std::move(physical)}}});
    }
    notifications.push_back(std::move(notification));
  }
  Json item;
  item["executionSuccessful"] = report.errors.empty();
  item["toolExecutionNotifications"] = std::move(notifications);
  return item;
}

}  // namespace

std::string ruleHelpUri(std::string_view id) {
  return std::string(AGENTGUARD_RULE_DOCS_URL) + "/" + std::string(id) + ".md";
}

void renderSarif(const CheckReport& report, std::ostream& out) {
  // Rules that fired, in catalog order (then any the catalog does not know, in order of appearance),
  // so rule indices are stable for a given set of findings.
  std::map<std::string, const engine::Finding*, std::less<>> firstByRule;
  for (const auto& located : report.findings) firstByRule.emplace(located.finding.rule, &located.finding);
  std::map<std::string, size_t, std::less<>> indexOf;
  Json rules = Json::array();
  if (report.catalog != nullptr) {
    for (const auto& definition : report.catalog->all()) {
      const auto found = firstByRule.find(definition.info.id);
      if (found == firstByRule.end()) continue;
      indexOf.emplace(definition.info.id, rules.size());
      rules.push_back(ruleDescriptor(definition.info.id, &definition.info, *found->second));
    }
  }
  for (const auto& located : report.findings) {
    if (indexOf.count(located.finding.rule) != 0) continue;
    indexOf.emplace(located.finding.rule, rules.size());
    rules.push_back(ruleDescriptor(located.finding.rule, nullptr, located.finding));
  }

  const std::filesystem::path root = sourceRoot();
  Json results = Json::array();
  for (const auto& located : report.findings) results.push_back(result(located, indexOf.at(located.finding.rule), root));

  Json artifacts = Json::array();
  for (const auto& source : report.sources) artifacts.push_back({{"location", artifactLocation(source, root)}});

  Json driver;
  driver["name"] = "agentguard";
  driver["version"] = AGENTGUARD_VERSION;
  driver["semanticVersion"] = AGENTGUARD_VERSION;
  driver["rules"] = std::move(rules);

  Json run;
  run["tool"] = {{"driver", std::move(driver)}};
  run["invocations"] = Json::array({invocation(report, root)});
  if (!root.empty()) {
    run["originalUriBaseIds"] = {{kSourceRoot, {{"uri", directoryUri(root)}, {"description", {{"text", "The repository root (git's top level), else the working directory"}}}}}};
  }
  run["artifacts"] = std::move(artifacts);
  run["results"] = std::move(results);
  run["columnKind"] = "utf16CodeUnits";
  run["properties"] = {{"objectsChecked", report.objectsChecked},
                       {"policySource", report.policySource},
                       {"policyDigest", report.policyDigest}};

  Json document;
  document["$schema"] = kSchema;
  document["version"] = "2.1.0";
  document["runs"] = Json::array({std::move(run)});
  out << document.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace agentguard::cli
