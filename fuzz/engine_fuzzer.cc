// The whole offline check on arbitrary bytes: parse, evaluate every object with the bundled policies
// (whatever rules they enable when the fuzzer starts) and the input's own NetworkPolicies, locate each
// finding and render every report format.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

#include "cli/report/check_report.h"
#include "common/manifest/manifest_object.h"
#include "engine/engine.h"
#include "engine/network/document_network_policy_source.h"
#include "engine/policy/policy_loader.h"
#include "engine/workload/object_view.h"

namespace {

using namespace agentguard;

const engine::Engine& sharedEngine() {
  static const engine::Engine instance = [] {
    const char* fromEnv = std::getenv("AGENTGUARD_POLICIES");
    const std::string path = fromEnv != nullptr && *fromEnv != '\0' ? fromEnv : AGENTGUARD_FUZZ_POLICIES;
    auto policies = engine::loadPolicies(path);
    if (!policies) {
      std::cerr << "engine_fuzzer: cannot load policies from " << path << ": " << policies.error().describe() << '\n';
      std::abort();
    }
    std::cerr << "engine_fuzzer: " << policies->rules.size() << " rules enabled from " << path << '\n';
    return engine::Engine(std::make_shared<const engine::PolicySet>(std::move(policies).value()));
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)sharedEngine();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto objects = manifest::loadManifests(text, "fuzz.yaml");
  if (!objects) return 0;

  const std::string_view defaultNamespace = "default";
  const engine::DocumentNetworkPolicySource networkPolicies(*objects, defaultNamespace);
  engine::EvaluationContext context;
  context.networkPolicies = &networkPolicies;
  context.defaultNamespace = defaultNamespace;

  cli::CheckReport report;
  report.catalog = &engine::RuleCatalog::builtin();
  report.sources.push_back("fuzz.yaml");
  for (const auto& object : *objects) {
    const engine::ObjectView view(object.body, defaultNamespace);
    report.objects.push_back({object.source, object.line, view.kind(), view.namespaceName(), view.name()});
    for (auto& finding : sharedEngine().evaluate(object.body, context)) {
      if (finding.rule.empty() || finding.message.empty() || finding.fix.empty()) __builtin_trap();
      const int line = object.lineOf(finding.path);
      if (line < 1) __builtin_trap();
      report.findings.push_back({std::move(finding), object.source, line, object.line});
    }
  }
  report.objectsChecked = objects->size();

  std::ostringstream sink;
  cli::renderText(report, sink, true);
  cli::renderJson(report, sink);
  cli::renderSarif(report, sink);
  cli::renderJunit(report, sink);
  return 0;
}
