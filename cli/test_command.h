#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace agentguard::cli {

struct TestOptions {
  std::string dir;                    // the folder of case files
  std::vector<std::string> policies;  // policy layers (policy_sources.h); none: the bundled policies
  bool quiet = false;                 // print only failed and malformed cases and the summary
};

// `agentguard test DIR`: runs the case files under DIR (engine/policy/policy_cases.h) against the policy
// set and prints "ok" or "FAIL" per case with what failed. Exit 0 when every case passes, 1 when one
// fails, 2 when a case is malformed, no case is found, or the policies do not compile.
int runTest(const TestOptions& options, std::ostream& out, std::ostream& err);

}  // namespace agentguard::cli
