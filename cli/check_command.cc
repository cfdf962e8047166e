#include "cli/check_command.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/input_reader.h"
#include "cli/policy_sources.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"

namespace agentguard::cli {
namespace {

void printError(std::ostream& err, const Error& error) {
  err << "agentguard: error: " << error.message << '\n';
  for (size_t i = 1; i < error.causes.size(); ++i) err << "agentguard: error: " << error.causes[i] << '\n';
}

// The line an input error is about: "SOURCE:12: ..." or "... line 12 ...", else 0.
int lineOfError(const std::string& message, const std::string& source) {
  const auto digitsAt = [&message](size_t at) {
    int line = 0;
    size_t i = at;
    for (; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])) && line < 100000000; ++i) {
      line = line * 10 + (message[i] - '0');
    }
    return i > at ? line : 0;
  };
  if (message.compare(0, source.size() + 1, source + ":") == 0) {
    if (const int line = digitsAt(source.size() + 1); line > 0) return line;
  }
  const size_t word = message.find("line ", source.size());
  return word == std::string::npos ? 0 : digitsAt(word + 5);
}

InputError inputError(const std::string& source, const Error& error) {
  std::string message = error.message;
  for (size_t i = 1; i < error.causes.size(); ++i) message += "; " + error.causes[i];
  return {source, lineOfError(error.message, source), std::move(message)};
}

void render(const CheckReport& report, OutputFormat format, std::ostream& out, bool color, bool quiet) {
  switch (format) {
    case OutputFormat::kText: renderText(report, out, color, quiet); break;
    case OutputFormat::kGithub: renderGithub(report, out, quiet); break;
    case OutputFormat::kJson: renderJson(report, out); break;
    case OutputFormat::kSarif: renderSarif(report, out); break;
    case OutputFormat::kJunit: renderJunit(report, out); break;
  }
}

// Writes every report; false (and the reason on `err`) when a file cannot be written.
bool writeReports(const CheckReport& report, const CheckOptions& options, std::ostream& out, std::ostream& err) {
  bool written = true;
  for (const auto& target : options.outputs) {
    if (target.path.empty()) {
      render(report, target.format, out, options.color, options.quiet);
      out.flush();
      continue;
    }
    std::ostringstream text;
    render(report, target.format, text, false, options.quiet);
    std::ofstream file(target.path, std::ios::binary | std::ios::trunc);
    file << text.str();
    file.close();
    if (!file) {
      err << "agentguard: error: " << target.path << ": cannot write the " << outputFormatName(target.format)
          << " report: " << std::strerror(errno) << '\n';
      written = false;
    }
  }
  return written;
}

}  // namespace

bool parseOutputTarget(std::string_view text, OutputTarget& target) {
  const size_t equals = text.find('=');
  if (!parseOutputFormat(text.substr(0, equals), target.format)) return false;
  target.path = equals == std::string_view::npos ? "" : std::string(text.substr(equals + 1));
  return equals == std::string_view::npos || !target.path.empty();
}

int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  CheckReport report;
  report.failOn = options.failOn;
  auto policies = loadPolicySources(options.policies);
  if (!policies) {
    printError(err, policies.error());
    return kExitInputError;
  }
  const engine::Engine engine(std::make_shared<const engine::PolicySet>(std::move(policies).value()));
  report.policySource = describePolicySources(options.policies);
  report.policyDigest = engine.policies().digest;

  // Parse everything first: the NetworkPolicies of the whole input are the namespace's policies. An
  // input that cannot be read or parsed is reported and fails the run; the others are still checked.
  const manifest::ParseLimits limits;
  std::vector<manifest::ManifestObject> objects;
  for (const auto& input : readInputs(options.paths, in, {limits.maxInputBytes, options.excludes, options.stdinName, options.helmValues})) {
    report.sources.push_back(input.name);
    if (!input.error.empty()) {
      const Error error = makeError(ErrorCode::kInvalidArgument, input.error);
      printError(err, error);
      report.errors.push_back(inputError(input.name, error));
      continue;
    }
    auto parsed = manifest::loadManifests(input.text, input.name, limits);
    if (!parsed) {
      printError(err, parsed.error());
      report.errors.push_back(inputError(input.name, parsed.error()));
      continue;
    }
    for (auto& object : *parsed) objects.push_back(std::move(object));
  }
  const engine::DocumentNetworkPolicySource networkPolicies(objects, options.defaultNamespace);

  report.catalog = &engine::RuleCatalog::builtin();
  engine::EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  context.defaultNamespace = options.defaultNamespace;
  context.honourSkipAnnotations = true;  // no user to guard against offline: skips are honoured and reported
  for (const auto& object : objects) {
    const engine::ObjectView view(object.body, options.defaultNamespace);
    report.objects.push_back({object.source, object.line, view.kind(), view.namespaceName(), view.name()});
    for (auto& finding : engine.evaluate(object.body, context)) {
      const int line = object.lineOf(finding.path);
      report.findings.push_back({std::move(finding), object.source, line, object.line});
    }
  }
  report.objectsChecked = objects.size();
  if (options.failIfNoObjects && objects.empty()) {
    const std::string message = "no Kubernetes objects found in " + std::to_string(report.sources.size()) +
                                " input(s) (--fail-if-no-objects); check the PATHs and --exclude globs";
    err << "agentguard: error: " << message << '\n';
    report.errors.push_back({"", 0, message});
  }

  if (!writeReports(report, options, out, err) || !report.errors.empty()) return kExitInputError;
  return report.passed() ? kExitClean : kExitDenied;
}

}  // namespace agentguard::cli
