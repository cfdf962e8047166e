#pragma once

// What the CLI tests share: a scratch directory removed at the end of the test (tests/support), a way to run the
// command line in-process with string streams, and small checks for the machine-readable outputs.

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_line.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::cli::testing {

namespace fs = std::filesystem;

inline const fs::path kSourceDir = AGENTGUARD_SOURCE_DIR;
inline const fs::path kBundledPolicies = kSourceDir / "policies";

using agentguard::testing::ScratchDir;

// Changes the working directory for the lifetime of the object (tests run one at a time).
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() {
    std::error_code ec;
    fs::current_path(previous_, ec);
  }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

// The whole content of `path`, "" when it cannot be read.
inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// Runs `agentguard <args>` in-process, as if stdout were not a terminal.
inline RunResult runAgentguard(const std::vector<std::string>& args, const std::string& stdinText = "") {
  std::istringstream in(stdinText);
  std::ostringstream out;
  std::ostringstream err;
  RunResult result;
  result.exitCode = runCommandLine(args, in, out, err, false);
  result.out = out.str();
  result.err = err.str();
  return result;
}

// A minimal XML well-formedness check, enough to catch broken escaping: every tag is closed in order,
// attribute values are quoted, '<' never appears in text or attributes, '&' only starts one of the
// five predefined entities or a numeric reference, no control character other than tab, newline and
// carriage return appears, and the input is valid UTF-8. Returns "" when well-formed, else the problem.
inline std::string xmlProblem(std::string_view xml) {
  const auto at = [](size_t i) { return " at byte " + std::to_string(i); };
  // Characters: valid UTF-8, and none that XML 1.0 forbids.
  for (size_t i = 0; i < xml.size();) {
    const auto lead = static_cast<unsigned char>(xml[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > xml.size()) return "invalid UTF-8" + at(i);
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(xml[i + k]) & 0xC0) != 0x80) return "invalid UTF-8" + at(i);
    }
    if (lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r') return "control character" + at(i);
    i += length;
  }
  const auto entityEnd = [&](size_t i) -> size_t {  // i at '&'; returns the index after ';' or npos
    const size_t semicolon = xml.find(';', i);
    if (semicolon == std::string_view::npos) return semicolon;
    const std::string_view name = xml.substr(i + 1, semicolon - i - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return semicolon + 1;
    if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x';
      const std::string digits(name.substr(hex ? 2 : 1));
      if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos) {
        return std::string_view::npos;
      }
      const unsigned long value = std::stoul(digits, nullptr, hex ? 16 : 10);
      if (value < 0x20 && value != 9 && value != 10 && value != 13) return std::string_view::npos;
      return semicolon + 1;
    }
    return std::string_view::npos;
  };
  const auto isNameChar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '-' || c == '.';
  };
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  if (xml.substr(0, 5) == "<?xml") {
    i = xml.find("?>");
    if (i == std::string_view::npos) return "unterminated XML declaration";
    i += 2;
  }
  while (i < xml.size()) {
    const char c = xml[i];
    if (c == '&') {
      const size_t end = entityEnd(i);
      if (end == std::string_view::npos) return "bad entity reference" + at(i);
      if (open.empty()) return "text outside the root element" + at(i);
      i = end;
      continue;
    }
    if (c != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c))) return "text outside the root element" + at(i);
      ++i;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      const size_t end = xml.find("-->", i);
      if (end == std::string_view::npos) return "unterminated comment" + at(i);
      i = end + 3;
      continue;
    }
    const bool closing = i + 1 < xml.size() && xml[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t nameStart = j;
    while (j < xml.size() && isNameChar(xml[j])) ++j;
    const std::string name(xml.substr(nameStart, j - nameStart));
    if (name.empty()) return "tag without a name" + at(i);
    if (closing) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size() || xml[j] != '>') return "malformed end tag" + at(i);
      if (open.empty() || open.back() != name) return "end tag </" + name + "> does not match" + at(i);
      open.pop_back();
      i = j + 1;
      continue;
    }
    if (open.empty() && ++roots > 1) return "more than one root element" + at(i);
    for (;;) {
      while (j < xml.size() && std::isspace(static_cast<unsigned char>(xml[j]))) ++j;
      if (j >= xml.size()) return "unterminated tag <" + name + ">";
      if (xml[j] == '>') {
        open.push_back(name);
        i = j + 1;
        break;
      }
      if (xml.substr(j, 2) == "/>") {
        i = j + 2;
        break;
      }
      const size_t attrStart = j;
      while (j < xml.size() && isNameChar(xml[j])) ++j;
      if (j == attrStart || j + 1 >= xml.size() || xml[j] != '=' || (xml[j + 1] != '"' && xml[j + 1] != '\'')) {
        return "malformed attribute in <" + name + ">" + at(j);
      }
      const char quote = xml[j + 1];
      j += 2;
      while (j < xml.size() && xml[j] != quote) {
        if (xml[j] == '<') return "'<' inside an attribute value" + at(j);
        if (xml[j] == '&') {
          const size_t end = entityEnd(j);
          if (end == std::string_view::npos) return "bad entity reference" + at(j);
          j = end;
          continue;
        }
        ++j;
      }
      if (j >= xml.size()) return "unterminated attribute value in <" + name + ">";
      ++j;
    }
  }
  if (!open.empty()) return "element <" + open.back() + "> is never closed";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace agentguard::cli::testing
