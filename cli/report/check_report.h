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

// Everything one `agentguard check` run produced, ready to render.
struct CheckReport {
  std::vector<LocatedFinding> findings;   // in input order, then rule order
  std::vector<CheckedObject> objects;     // every object checked, in input order
  std::vector<std::string> sources;       // every input read, in order
  size_t objectsChecked = 0;
  std::string policySource;  // "bundled", or the policy file or directory named by --policies / AGENTGUARD_POLICIES
  std::string policyDigest;  // PolicySet::digest of the policies the objects were checked against
  const engine::RuleCatalog* catalog = nullptr;  // for rule titles and descriptions
};

enum class OutputFormat { kText, kJson, kSarif, kJunit };
bool parseOutputFormat(std::string_view text, OutputFormat& format);

// Human output, grouped per object; ANSI colour only when `color` is set (a terminal).
void renderText(const CheckReport& report, std::ostream& out, bool color);
// {"findings":[...],"policies":{"source","digest"},"summary":{...}}
void renderJson(const CheckReport& report, std::ostream& out);
// SARIF 2.1.0 for GitHub code scanning.
void renderSarif(const CheckReport& report, std::ostream& out);
// JUnit XML: one test case per checked object.
void renderJunit(const CheckReport& report, std::ostream& out);

}  // namespace agentguard::cli
