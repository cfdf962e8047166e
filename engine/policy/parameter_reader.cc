#include "engine/policy/parameter_reader.h"

#include "common/manifest/field_path.h"

namespace agentguard::engine {

ParameterReader::ParameterReader(const nlohmann::json* parameters, std::string source, std::string basePath,
                                 std::function<int(std::string_view)> lineOf)
    : parameters_(parameters), source_(std::move(source)), basePath_(std::move(basePath)), lineOf_(std::move(lineOf)) {
  if (parameters_ != nullptr && !parameters_->is_null() && !parameters_->is_object()) {
    problems_.push_back(source_ + ":" + std::to_string(lineOf_(basePath_)) + ": " + basePath_ +
                        ": parameters must be a mapping");
    parameters_ = nullptr;
  }
}

std::string ParameterReader::location(std::string_view key) const {
  const std::string path = manifest::FieldPath(basePath_).key(key).str();
  return source_ + ":" + std::to_string(lineOf_(path)) + ": " + path;
}

const nlohmann::json* ParameterReader::find(std::string_view key) {
  asked_.emplace(key);
  if (parameters_ == nullptr || !parameters_->is_object()) return nullptr;
  const auto it = parameters_->find(key);
  return it == parameters_->end() ? nullptr : &*it;
}

void ParameterReader::fail(std::string_view key, const std::string& problem) {
  problems_.push_back(location(key) + ": " + problem);
}

bool ParameterReader::boolean(std::string_view key, bool fallback) {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    fail(key, "expected true or false, got " + value->dump());
    return fallback;
  }
  return value->get<bool>();
}

int64_t ParameterReader::integer(std::string_view key, int64_t fallback, int64_t minimum, int64_t maximum) {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) {
    fail(key, "expected an integer, got " + value->dump());
    return fallback;
  }
  const auto number = value->get<int64_t>();
  if (number < minimum || number > maximum) {
    fail(key, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) + ", got " +
                  std::to_string(number));
    return fallback;
  }
  return number;
}

double ParameterReader::number(std::string_view key, double fallback, double minimum, double maximum) {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) {
    fail(key, "expected a number, got " + value->dump());
    return fallback;
  }
  const auto number = value->get<double>();
  if (number < minimum || number > maximum) {
    fail(key, "must be between " + nlohmann::json(minimum).dump() + " and " + nlohmann::json(maximum).dump() +
                  ", got " + value->dump());
    return fallback;
  }
  return number;
}

std::string ParameterReader::string(std::string_view key, std::string fallback) {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_string()) {
    fail(key, "expected a string, got " + value->dump());
    return fallback;
  }
  return value->get<std::string>();
}

std::vector<std::string> ParameterReader::stringList(std::string_view key, std::vector<std::string> fallback) {
  const auto* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_array()) {
    fail(key, "expected a list of strings, got " + value->dump());
    return fallback;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < value->size(); ++i) {
    const auto& item = (*value)[i];
    if (!item.is_string()) {
      fail(key, "item " + std::to_string(i) + " must be a string, got " + item.dump());
      return fallback;
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

const std::vector<std::string>& ParameterReader::finish() {
  if (parameters_ != nullptr && parameters_->is_object()) {
    for (const auto& [key, value] : parameters_->items()) {
      if (asked_.count(key) == 0) {
        std::string known;
        for (const auto& name : asked_) known += (known.empty() ? "" : ", ") + name;
        fail(key, "unknown parameter" + (known.empty() ? std::string(" (this rule takes none)")
                                                       : "; this rule takes: " + known));
      }
    }
  }
  return problems_;
}

}  // namespace agentguard::engine
