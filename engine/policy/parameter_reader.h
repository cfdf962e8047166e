#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agentguard::engine {

// Reads a rule's `parameters` mapping from a policy file with strict types. Each problem is recorded
// as "<source>:<line>: <path>: <what is wrong>"; keys that no rule asked for are reported by finish().
// A rule asks for every parameter it knows, with its default, in its factory.
class ParameterReader {
 public:
  // `lineOf` maps a field path of the policy document to a line; `basePath` is the parameters' own path.
  ParameterReader(const nlohmann::json* parameters, std::string source, std::string basePath,
                  std::function<int(std::string_view)> lineOf);

  bool boolean(std::string_view key, bool fallback);
  int64_t integer(std::string_view key, int64_t fallback, int64_t minimum, int64_t maximum);
  double number(std::string_view key, double fallback, double minimum, double maximum);
  std::string string(std::string_view key, std::string fallback);
  std::vector<std::string> stringList(std::string_view key, std::vector<std::string> fallback);

  // Adds a problem about a parameter (e.g. a CIDR that does not parse).
  void fail(std::string_view key, const std::string& problem);

  // Records every key that was not asked for; returns the problems collected so far.
  const std::vector<std::string>& finish();
  bool ok() const { return problems_.empty(); }

 private:
  const nlohmann::json* find(std::string_view key);
  std::string location(std::string_view key) const;

  const nlohmann::json* parameters_;
  std::string source_;
  std::string basePath_;
  std::function<int(std::string_view)> lineOf_;
  std::set<std::string, std::less<>> asked_;
  std::vector<std::string> problems_;
};

}  // namespace agentguard::engine
