#include "cli/test_command.h"

#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/check_command.h"
#include "cli/policy_sources.h"
#include "engine/engine.h"
#include "engine/policy/policy_cases.h"

namespace agentguard::cli {
namespace {

void printError(std::ostream& err, const Error& error) {
  err << "agentguard: error: " << error.message << '\n';
  for (size_t i = 1; i < error.causes.size(); ++i) err << "agentguard: error: " << error.causes[i] << '\n';
}

}  // namespace

int runTest(const TestOptions& options, std::ostream& out, std::ostream& err) {
  auto policies = loadPolicySources(options.policies);
  if (!policies) {
    printError(err, policies.error());
    return kExitInputError;
  }
  const engine::Engine engine(std::make_shared<const engine::PolicySet>(std::move(policies).value()));
  auto cases = engine::findPolicyCases(options.dir, engine.policies());
  if (!cases) {
    printError(err, cases.error());
    return kExitInputError;
  }
  size_t passed = 0, failed = 0, malformed = 0;
  for (const auto& testCase : *cases) {
    std::ifstream in(testCase.path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string name = testCase.path.string();
    const engine::PolicyCaseOutcome outcome =
        in ? engine::runPolicyCase(engine, name, text.str(), testCase.policy)
           : engine::PolicyCaseOutcome{engine::PolicyCaseOutcome::Status::kMalformed, {"cannot read the file"}};
    switch (outcome.status) {
      case engine::PolicyCaseOutcome::Status::kPassed:
        ++passed;
        if (!options.quiet) out << "ok     " << name << '\n';
        continue;
      case engine::PolicyCaseOutcome::Status::kFailed:
        ++failed;
        out << "FAIL   " << name << '\n';
        break;
      case engine::PolicyCaseOutcome::Status::kMalformed:
        ++malformed;
        out << "ERROR  " << name << " (malformed case)\n";
        break;
    }
    for (const auto& problem : outcome.problems) out << "         " << problem << '\n';
  }
  out << cases->size() << (cases->size() == 1 ? " case: " : " cases: ") << passed << " ok, " << failed << " failed, "
      << malformed << " malformed; policies: " << describePolicySources(options.policies) << " "
      << engine.policies().digest << '\n';
  if (malformed > 0) return kExitInputError;
  return failed > 0 ? kExitDenied : kExitClean;
}

}  // namespace agentguard::cli
