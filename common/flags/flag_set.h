#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log/logger.h"
#include "common/result/result.h"

namespace CLI {
class App;
}  // namespace CLI

// The one command-line grammar of agentguard-webhook, agentguard-operator and agentguard-gate, on CLI11
// (see flag_set.cc for why CLI11). Each binary declares its flags here, with the readers below for the
// kinds of value they share; durations go through the one duration grammar (common/time/duration.h).
namespace agentguard::flags {

// Reads one occurrence of a flag's value into its target; on refusal, says what is wrong and what is
// accepted (the message follows "--name: ").
using ValueReader = std::function<std::optional<std::string>(const std::string& value)>;

class FlagSet {
 public:
  FlagSet();
  ~FlagSet();
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // `--name VALUE` or `--name=VALUE` (`--name=` and `--name ""` give an empty value). `read` sees every
  // occurrence in order, so a later one overrides an earlier one unless `read` collects them.
  void value(const std::string& name, ValueReader read);
  // `--name` sets target; `--name=true|false` (or 1|0) sets it to that. Never takes the next argument.
  void toggle(const std::string& name, bool& target);
  // `--help` and `-h`.
  void help(bool& target);

  // Parses the arguments after the program name, failing at the first refusal: InvalidArgument
  // "--name: <what is wrong> (see --help)", "--name: needs a value (see --help)", "unknown flag --name
  // (see --help)" or "unexpected argument 'x' (see --help)".
  Status parse(const std::vector<std::string>& args);
  // The declared flags' names ("--listen", ...), for the test that --help lists every one.
  std::vector<std::string> names() const;

 private:
  void addToggle(const std::string& names, const std::string& flag, bool& target);

  std::unique_ptr<CLI::App> app_;
};

// InvalidArgument "--name: what (see --help)", for the checks across flags a binary makes after parse.
Error flagError(const std::string& name, const std::string& what);

// Readers of the kinds of value the binaries share.
ValueReader text(std::string& target);
ValueReader nonEmptyText(std::string& target, const std::string& whatItNeeds);  // "needs <whatItNeeds>"
ValueReader logLevel(log::Level& target);
// A duration in the one grammar; zero is refused unless `zeroAllowed`.
enum class Zero { kRefused, kAllowed };
ValueReader duration(std::chrono::milliseconds& target, Zero zero = Zero::kRefused);
// One of a few words, each standing for a value; refused with "expected a or b".
template <typename T>
ValueReader choice(T& target, std::vector<std::pair<std::string, T>> words) {
  std::string expected;
  for (size_t i = 0; i < words.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i].first;
  }
  return [&target, words = std::move(words), expected = "expected " + expected](
             const std::string& value) -> std::optional<std::string> {
    for (const auto& [word, meaning] : words) {
      if (word == value) {
        target = meaning;
        return std::nullopt;
      }
    }
    return expected;
  };
}

// A whole number from min to max (decimal digits only), or nullopt.
std::optional<std::uint64_t> parseCount(const std::string& text, std::uint64_t min, std::uint64_t max);
// A whole number from min to max; `expected` is the refusal ("expected a number from 1 to 64").
template <typename Number>
ValueReader count(Number& target, std::uint64_t min, std::uint64_t max, std::string expected) {
  return [&target, min, max, expected = std::move(expected)](const std::string& value) -> std::optional<std::string> {
    const std::optional<std::uint64_t> number = parseCount(value, min, max);
    if (!number) return expected;
    target = static_cast<Number>(*number);
    return std::nullopt;
  };
}

}  // namespace agentguard::flags
