#pragma once

// The fixture files under policies/<policy>/cases/, shared by the tests that walk them all.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agentguard::engine {

inline const std::filesystem::path& bundledPolicyDir() {
  static const std::filesystem::path dir = std::filesystem::path(AGENTGUARD_SOURCE_DIR) / "policies";
  return dir;
}

struct CaseFile {
  std::string policy;  // folder name == policy name
  std::filesystem::path path;
};

// Every policies/*/cases/*.yaml, sorted by path.
inline std::vector<CaseFile> allCaseFiles() {
  namespace fs = std::filesystem;
  std::vector<CaseFile> cases;
  for (const auto& entry : fs::directory_iterator(bundledPolicyDir())) {
    const fs::path dir = entry.path() / "cases";
    if (!fs::is_directory(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      if (file.path().extension() == ".yaml") cases.push_back({entry.path().filename().string(), file.path()});
    }
  }
  std::sort(cases.begin(), cases.end(), [](const CaseFile& a, const CaseFile& b) { return a.path < b.path; });
  return cases;
}

inline std::string readCaseText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace agentguard::engine
