#pragma once

#include <string>
#include <string_view>

#include "common/result/result.h"

namespace agentguard::file {

// The whole content of the file at `path`, bytes as they are. NotFound when it cannot be opened or read,
// with a message naming it by `what`: "<what> <path> cannot be read: <reason>" (e.g. what = "signing key").
Result<std::string> readFileContents(const std::string& path, std::string_view what);

}  // namespace agentguard::file
