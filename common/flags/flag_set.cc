// Why CLI11 (Debian libcli11-dev, header-only) rather than cxxopts: each flag here is a callback that
// CLI11 runs as the flag is met (trigger_on_parse), so the binaries' own readers decide every value and
// the first refusal names its flag, as the hand-written parsers did; cxxopts converts values with its own
// grammar (its booleans, numbers) and hands them back after the whole line is read. CLI11's typed errors
// (ArgumentMismatch, ValidationError) and its list of arguments it did not recognise map onto the
// messages the binaries always gave. Its own help text is off: each binary keeps the usage its docs show.
#include "common/flags/flag_set.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>

#include "common/time/duration.h"

namespace agentguard::flags {
namespace {

// Carries a reader's refusal out of CLI11 with the flag it belongs to.
class Refusal : public CLI::ValidationError {
 public:
  Refusal(std::string name, const std::string& what) : CLI::ValidationError(name, what), name_(std::move(name)), what_(what) {}
  const std::string& flagName() const { return name_; }
  const std::string& problem() const { return what_; }

 private:
  std::string name_;
  std::string what_;
};

}  // namespace

Error flagError(const std::string& name, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, name + ": " + what + " (see --help)");
}

FlagSet::FlagSet() : app_(std::make_unique<CLI::App>()) {
  app_->set_help_flag();      // each binary prints its own usage
  app_->allow_extras();       // unknown arguments are refused below, by name
}

FlagSet::~FlagSet() = default;

void FlagSet::value(const std::string& name, ValueReader read) {
  const std::string flag = "--" + name;
  app_->add_option_function<std::string>(flag, [flag, read = std::move(read)](const std::string& value) {
        if (auto problem = read(value)) throw Refusal(flag, *problem);
      })
      ->trigger_on_parse()
      ->allow_extra_args(false);
}

void FlagSet::toggle(const std::string& name, bool& target) { addToggle("--" + name, "--" + name, target); }

void FlagSet::help(bool& target) { addToggle("--help,-h", "--help", target); }

void FlagSet::addToggle(const std::string& names, const std::string& flag, bool& target) {
  // No value of its own: `--name` reads as "true", `--name=VALUE` as VALUE.
  app_->add_option_function<std::string>(names, [flag, &target](const std::string& value) {
        if (value == "true" || value == "1") {
          target = true;
        } else if (value == "false" || value == "0") {
          target = false;
        } else {
          throw Refusal(flag, "expected true or false");
        }
      })
      ->expected(0)
      ->default_str("true")
      ->trigger_on_parse();
}

Status FlagSet::parse(const std::vector<std::string>& args) {
  // CLI11 reads the arguments from the back. It also reads `--name=` as `--name` followed by the next
  // argument; `--name=` means an empty value here, so it is passed on as `--name ""`.
  std::vector<std::string> reversed;
  reversed.reserve(args.size() + 1);
  for (auto arg = args.rbegin(); arg != args.rend(); ++arg) {
    if (arg->size() > 3 && arg->starts_with("--") && arg->find('=') == arg->size() - 1) {
      const std::string name = arg->substr(0, arg->size() - 1);
      if (const CLI::Option* option = app_->get_option_no_throw(name);
          option != nullptr && option->get_expected_max() > 0) {
        reversed.emplace_back();
        reversed.push_back(name);
        continue;
      }
    }
    reversed.push_back(*arg);
  }
  try {
    app_->parse(reversed);
  } catch (const Refusal& refusal) {
    return flagError(refusal.flagName(), refusal.problem());
  } catch (const CLI::ArgumentMismatch& mismatch) {  // "--name: 1 required TEXT missing"
    const std::string what = mismatch.what();
    return flagError(what.substr(0, what.find(':')), "needs a value");
  } catch (const CLI::ParseError& error) {
    return makeError(ErrorCode::kInvalidArgument, std::string(error.what()) + " (see --help)");
  }
  const std::vector<std::string> extra = app_->remaining();
  if (!extra.empty()) {
    const std::string& first = extra.front();
    if (first.size() > 1 && first.front() == '-' && first != "--") {
      return makeError(ErrorCode::kInvalidArgument,
                       "unknown flag " + first.substr(0, first.find('=')) + " (see --help)");
    }
    return makeError(ErrorCode::kInvalidArgument, "unexpected argument '" + first + "' (see --help)");
  }
  return okStatus();
}

std::vector<std::string> FlagSet::names() const {
  std::vector<std::string> out;
  for (const CLI::Option* option : app_->get_options()) out.push_back(option->get_name());
  return out;
}

ValueReader text(std::string& target) {
  return [&target](const std::string& value) -> std::optional<std::string> {
    target = value;
    return std::nullopt;
  };
}

ValueReader nonEmptyText(std::string& target, const std::string& whatItNeeds) {
  return [&target, whatItNeeds](const std::string& value) -> std::optional<std::string> {
    if (value.empty()) return "needs " + whatItNeeds;
    target = value;
    return std::nullopt;
  };
}

ValueReader logLevel(log::Level& target) {
  return [&target](const std::string& value) -> std::optional<std::string> {
    if (!log::parseLevel(value, target)) return "expected debug, info, warn or error";
    return std::nullopt;
  };
}

ValueReader duration(std::chrono::milliseconds& target, Zero zero) {
  return [&target, zero](const std::string& value) -> std::optional<std::string> {
    auto parsed = time::parseDuration(value);
    if (!parsed) return parsed.error().message;
    if (zero == Zero::kRefused && parsed->count() == 0) return "must be more than 0";
    target = *parsed;
    return std::nullopt;
  };
}

std::optional<std::uint64_t> parseCount(const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace agentguard::flags
