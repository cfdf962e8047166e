#pragma once

#include <istream>
#include <string>
#include <vector>

#include "common/manifest/manifest_object.h"
#include "common/result/result.h"

namespace agentguard::cli {

struct InputText {
  std::string name;  // path as given, or "-" for stdin
  std::string text;
};

// Expands the PATH arguments of `agentguard check`: files as given, directories recursively (*.yaml,
// *.yml, *.json, sorted, hidden entries skipped), "-" for `stdin`. Each file is bounded by
// `maxBytes`; a missing or unreadable path is an InvalidArgument naming it.
Result<std::vector<InputText>> readInputs(const std::vector<std::string>& paths, std::istream& stdinStream,
                                          size_t maxBytes);

}  // namespace agentguard::cli
