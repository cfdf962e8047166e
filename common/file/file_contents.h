#pragma once

#include <string>
#include <string_view>

#include "common/result/result.h"

namespace agentguard::file {

// The whole content of the file at `path`, bytes as they are. NotFound when it cannot be opened or read,
// with a message naming it by `what`: "<what> <path> cannot be read: <reason>" (e.g. what = "signing key").
Result<std::string> readFileContents(const std::string& path, std::string_view what);

// Writes all of `content` to the open descriptor `fd`, through short writes and EINTR. 0 when done, else
// the errno of the write that failed (the caller names the file and closes `fd`).
int writeAll(int fd, std::string_view content);

}  // namespace agentguard::file
