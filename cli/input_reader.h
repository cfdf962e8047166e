#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/manifest/manifest_object.h"
#include "common/result/result.h"

namespace agentguard::cli {

struct InputText {
  std::string name;   // path as given or found, or "-" for stdin
  std::string text;
  std::string error;  // why the input could not be read ("" when it was): it names the input
};

// Expands the PATH arguments of `agentguard check`: files as given, directories recursively (*.yaml,
// *.yml, *.json, sorted, hidden entries skipped), "-" for `stdin`. Each file is bounded by `maxBytes`.
// A missing, unreadable or oversized input is kept in order with its error set, so the report can name
// it and the run fails; the other inputs are still read.
std::vector<InputText> readInputs(const std::vector<std::string>& paths, std::istream& stdinStream, size_t maxBytes);

}  // namespace agentguard::cli
