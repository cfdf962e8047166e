#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "engine/finding.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::cli {

// A finding with the place in the input it points at.
struct LocatedFinding {
  engine::Finding finding;
  std::string source;  // file name, or "-" for stdin
  int line = 1;        // 1-based line of the offending field
  int objectLine = 1;  // 1-based line where the object starts
};

// An object that was checked, whether or not it broke a rule.
struct CheckedObject {
  std::string source;
  int line = 1;
  std::string kind;
  std::string namespace_;
  std::string name;
};

// An input that could not be read or parsed: its objects were not checked, so the run cannot pass.
struct InputError {
  std::string source;  // file name as reported ("-" or the --stdin-name for stdin); "" when about all inputs
  int line = 0;        // 1-based line the problem is at, 0 when it is not about one line
  std::string message;  // the whole message, file and line included
};

// Everything one `agentguard check` run produced, ready to render.
struct CheckReport {
  std::vector<LocatedFinding> findings;   // in input order, then rule order
  std::vector<CheckedObject> objects;     // every object checked, in input order
  std::vector<std::string> sources;       // every input named or found, in order, including unreadable ones
  std::vector<InputError> errors;         // inputs that could not be checked, in input order
  size_t objectsChecked = 0;
  std::string policySource;  // describePolicySources: "bundled", the one source, or the layers ("builtin + ./overrides")
  std::string policyDigest;  // PolicySet::digest of the policies the objects were checked against
  const engine::RuleCatalog* catalog = nullptr;  // for rule titles and descriptions
  // The least severe action that fails the run (--fail-on): deny by default, warn makes warnings fail too.
  engine::Action failOn = engine::Action::kDeny;

  // True when `action` is at least as severe as failOn.
  bool fails(engine::Action action) const;
  // No input error and no finding that fails.
  bool passed() const;
};

enum class OutputFormat { kText, kJson, kSarif, kJunit, kGithub };
// "text", "json", "sarif", "junit" or "github".
bool parseOutputFormat(std::string_view text, OutputFormat& format);
std::string_view outputFormatName(OutputFormat format);

// Human output, grouped per object; ANSI colour only when `color` is set (a terminal). `quiet` prints only
// what fails the run (failing findings, input errors and the FAIL or ERROR line), nothing when it passes.
void renderText(const CheckReport& report, std::ostream& out, bool color, bool quiet = false);
// GitHub Actions workflow commands: one `::error file=F,line=L,title=T::message` annotation per finding
// (::warning for a warn finding that does not fail the run, ::notice for audit) and per input error, then
// a plain summary line. `quiet` leaves out the findings that do not fail the run and the summary.
void renderGithub(const CheckReport& report, std::ostream& out, bool quiet = false);
// {"findings":[...],"errors":[...],"policies":{"source","digest"},"summary":{...,"passed"}}
void renderJson(const CheckReport& report, std::ostream& out);
// SARIF 2.1.0 for GitHub code scanning; input errors make invocations[0].executionSuccessful false and
// appear as toolExecutionNotifications.
void renderSarif(const CheckReport& report, std::ostream& out);
// The reference page of a rule, docs/rules/<id>.md, under the URL the build publishes them at
// (AGENTGUARD_RULE_DOCS_URL); SARIF's helpUri.
std::string ruleHelpUri(std::string_view id);
// JUnit XML: one test case per (object, rule it broke), one per object that broke none, and one with an
// <error> per input that could not be checked.
void renderJunit(const CheckReport& report, std::ostream& out);

}  // namespace agentguard::cli
