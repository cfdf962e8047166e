#include "cli/config_file.h"

#include <array>

#include "common/file/file_contents.h"
#include "common/manifest/yaml_stream.h"

namespace agentguard::cli {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 8> kKeys = {"policies", "exclude",  "output",   "fail-on",
                                                    "namespace", "fail-if-no-objects", "quiet", "no-color"};
// Keys only a config file named with --config may set: each could loosen the check.
constexpr std::array<std::string_view, 3> kNamedOnlyKeys = {"policies", "exclude", "namespace"};

std::string knownKeys() {
  std::string text;
  for (const auto key : kKeys) text += (text.empty() ? "" : ", ") + std::string(key);
  return text;
}

class ConfigReader {
 public:
  ConfigReader(const std::string& path, const manifest::ParsedDocument& document)
      : path_(path), document_(document) {}

  Error problem(std::string_view key, const std::string& what) const {
    return makeError(ErrorCode::kInvalidArgument, path_ + ":" + std::to_string(document_.sourceMap->lineOf(key)) +
                                                      ": " + std::string(key) + ": " + what);
  }

  Result<std::string> text(std::string_view key, const Json& value) const {
    if (!value.is_string() || value.get<std::string>().empty()) {
      return problem(key, "must be a non-empty string, not " + describe(value));
    }
    return value.get<std::string>();
  }

  // A string or a list of strings.
  Result<std::vector<std::string>> texts(std::string_view key, const Json& value) const {
    if (value.is_string()) {
      auto one = text(key, value);
      if (!one) return std::move(one).error();
      return std::vector<std::string>{*one};
    }
    if (!value.is_array()) return problem(key, "must be a string or a list of strings, not " + describe(value));
    std::vector<std::string> values;
    for (const auto& item : value) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        return problem(key, "item " + std::to_string(values.size()) + " must be a non-empty string, not " + describe(item));
      }
      values.push_back(item.get<std::string>());
    }
    return values;
  }

  Result<bool> flag(std::string_view key, const Json& value) const {
    if (!value.is_boolean()) return problem(key, "must be true or false, not " + describe(value));
    return value.get<bool>();
  }

 private:
  static std::string describe(const Json& value) {
    if (value.is_string()) return "\"" + value.get<std::string>() + "\"";
    if (value.is_null()) return "null (no value)";
    if (value.is_object()) return "a mapping";
    if (value.is_array()) return "a list";
    return value.dump();
  }

  const std::string& path_;
  const manifest::ParsedDocument& document_;
};

}  // namespace

Result<CheckConfig> readCheckConfig(const std::string& path, bool found) {
  auto contents = file::readFileContents(path, "config file");
  if (!contents) return std::move(contents).error();
  auto documents = manifest::parseYamlStream(*contents);
  if (!documents) {
    return makeError(ErrorCode::kInvalidArgument, path + ": not valid YAML: " + documents.error().message);
  }
  CheckConfig config;
  config.path = path;
  if (documents->empty()) return config;  // an empty file, or only comments: no settings
  if (documents->size() > 1) {
    return makeError(ErrorCode::kInvalidArgument,
                     path + ":" + std::to_string((*documents)[1].line) + ": a config file holds one YAML document");
  }
  const manifest::ParsedDocument& document = documents->front();
  if (!document.value.is_object()) {
    return makeError(ErrorCode::kInvalidArgument,
                     path + ":" + std::to_string(document.line) + ": a config file is a mapping of settings (" +
                         knownKeys() + ")");
  }
  const ConfigReader reader(path, document);
  for (const auto& [key, value] : document.value.items()) {
    bool known = false;
    for (const auto candidate : kKeys) known = known || key == candidate;
    if (!known) return reader.problem(key, "unknown key; the keys are " + knownKeys());
    if (found) {
      for (const auto candidate : kNamedOnlyKeys) {
        if (key == candidate) {
          return reader.problem(key, "a config file found in the working directory may not set " + key +
                                         " (whoever writes the workspace could loosen the check with it); pass --" +
                                         key + " on the command line or name the file with --config " + path);
        }
      }
    }
    if (key == "output") {
      auto values = reader.texts(key, value);
      if (!values) return std::move(values).error();
      std::vector<OutputTarget> targets;
      for (const auto& text : *values) {
        OutputTarget target;
        if (!parseOutputTarget(text, target)) {
          return reader.problem(key, "\"" + text + "\" is not one of text, json, sarif, junit, github (FORMAT or FORMAT=FILE)");
        }
        for (const auto& earlier : targets) {
          if (earlier.path == target.path) {
            return reader.problem(key, target.path.empty() ? "two reports go to stdout; send all but one to a file with FORMAT=FILE"
                                                           : "names " + target.path + " twice");
          }
        }
        targets.push_back(std::move(target));
      }
      config.outputs = std::move(targets);
    } else if (key == "policies" || key == "exclude") {
      auto values = reader.texts(key, value);
      if (!values) return std::move(values).error();
      (key == "policies" ? config.policies : config.excludes) = std::move(*values);
    } else if (key == "fail-on" || key == "namespace") {
      auto one = reader.text(key, value);
      if (!one) return std::move(one).error();
      if (key == "fail-on" && *one != "deny" && *one != "warn") {
        return reader.problem(key, "\"" + *one + "\" is not one of deny, warn");
      }
      (key == "fail-on" ? config.failOn : config.namespace_) = std::move(*one);
    } else {
      auto on = reader.flag(key, value);
      if (!on) return std::move(on).error();
      (key == "quiet" ? config.quiet : key == "no-color" ? config.noColor : config.failIfNoObjects) = *on;
    }
  }
  return config;
}

}  // namespace agentguard::cli
