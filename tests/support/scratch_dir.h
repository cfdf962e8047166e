#pragma once

// A fresh, empty directory for one test, removed with everything in it when the object goes. mkdtemp
// makes every name unique, so the tests of one binary that ctest runs side by side never share a
// directory, and a directory left by a killed run is never reused. Free of GoogleTest: benchmarks use it
// too (through tests/webhook/support). A directory that cannot be made throws, which fails the test.

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace agentguard::testing {

class ScratchDir {
 public:
  // The directory is agentguard-<purpose>-XXXXXX under the system temp dir, so a leftover says which
  // test made it.
  explicit ScratchDir(std::string_view purpose = "test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("agentguard-" + std::string(purpose) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);  // a test may have locked it
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& relative) const { return path_ / relative; }

  // Writes `text` to `relative` (parent directories created) and returns the full path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace agentguard::testing
