#include "cli/check_command.h"

#include <iostream>
#include <memory>

#include "cli/input_reader.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/bundled_policies.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::cli {
namespace {

void printError(std::ostream& err, const Error& error) {
  err << "agentguard: error: " << error.message << '\n';
  for (size_t i = 1; i < error.causes.size(); ++i) err << "agentguard: error: " << error.causes[i] << '\n';
}

}  // namespace

int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  CheckReport report;
  auto policies = options.policies.empty() ? engine::compilePolicies(engine::bundledPolicyFiles(),
                                                                     engine::RuleCatalog::builtin())
                                           : engine::loadPolicies(options.policies);
  if (!policies) {
    printError(err, policies.error());
    return kExitInputError;
  }
  const engine::Engine engine(std::make_shared<const engine::PolicySet>(std::move(policies).value()));
  report.policySource = options.policies.empty() ? "bundled" : options.policies;
  report.policyDigest = engine.policies().digest;

  const manifest::ParseLimits limits;
  auto inputs = readInputs(options.paths, in, limits.maxInputBytes);
  if (!inputs) {
    printError(err, inputs.error());
    return kExitInputError;
  }

  // Parse everything first: the NetworkPolicies of the whole input are the namespace's policies.
  bool inputError = false;
  std::vector<manifest::ManifestObject> objects;
  for (const auto& input : *inputs) {
    auto parsed = manifest::loadManifests(input.text, input.name, limits);
    if (!parsed) {
      printError(err, parsed.error());
      inputError = true;
      continue;
    }
    for (auto& object : *parsed) objects.push_back(std::move(object));
  }
  const engine::DocumentNetworkPolicySource networkPolicies(objects, options.defaultNamespace);

  report.catalog = &engine::RuleCatalog::builtin();
  for (const auto& input : *inputs) report.sources.push_back(input.name);
  engine::EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  context.defaultNamespace = options.defaultNamespace;
  for (const auto& object : objects) {
    const engine::ObjectView view(object.body, options.defaultNamespace);
    report.objects.push_back({object.source, object.line, view.kind(), view.namespaceName(), view.name()});
    for (auto& finding : engine.evaluate(object.body, context)) {
      const int line = object.lineOf(finding.path);
      report.findings.push_back({std::move(finding), object.source, line, object.line});
    }
  }
  report.objectsChecked = objects.size();

  switch (options.format) {
    case OutputFormat::kText: renderText(report, out, options.color); break;
    case OutputFormat::kJson: renderJson(report, out); break;
    case OutputFormat::kSarif: renderSarif(report, out); break;
    case OutputFormat::kJunit: renderJunit(report, out); break;
  }
  out.flush();
  if (inputError) return kExitInputError;
  for (const auto& located : report.findings) {
    if (located.finding.action == engine::Action::kDeny) return kExitDenied;
  }
  return kExitClean;
}

}  // namespace agentguard::cli
