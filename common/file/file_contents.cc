#include "common/file/file_contents.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace agentguard::file {

Result<std::string> readFileContents(const std::string& path, std::string_view what) {
  const auto failure = [&](int error) {
    return makeError(ErrorCode::kNotFound, std::string(what) + " " + path + " cannot be read: " +
                                               (error != 0 ? std::strerror(error) : "read error"));
  };
  // An ifstream opens a directory and reads nothing from it, without an error.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return failure(EISDIR);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure(errno);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return failure(errno);
  return content.str();
}

int writeAll(int fd, std::string_view content) {
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    written += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace agentguard::file
