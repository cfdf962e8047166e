#include "common/manifest/yaml_tags.h"

#include <optional>
#include <string>

#include "common/encoding/base64.h"
#include "common/manifest/yaml_scalar.h"
#include "common/manifest/utf8.h"

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// "!!int" for a core tag, else the tag as written.
std::string shown(std::string_view tag) {
  if (tag.substr(0, kCoreTagPrefix.size()) == kCoreTagPrefix) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

// The core tag's name ("int" for tag:yaml.org,2002:int), or nullopt for a custom tag.
std::optional<std::string_view> coreName(std::string_view tag) {
  if (tag.substr(0, kCoreTagPrefix.size()) != kCoreTagPrefix) return std::nullopt;
  return tag.substr(kCoreTagPrefix.size());
}

Result<Json> decodeBinary(std::string_view text) {
  std::optional<std::string> bytes = encoding::decodeBase64(text, encoding::kGoStdBase64);
  if (!bytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the value tagged !!binary is not padded standard base64 (Kubernetes refuses it); fix the encoding");
  }
  if (!isWellFormedUtf8(*bytes)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the value tagged !!binary decodes to bytes that are not UTF-8, which Kubernetes would alter; "
                     "write the value as a string, or base64 text in a field that expects base64");
  }
  return Json(std::move(*bytes));
}

// !!bool, !!int, !!float, !!null: go-yaml resolves the text as if it were plain and requires the type.
Result<Json> resolveTyped(std::string_view name, std::string_view text) {
  Json value = resolvePlainScalar(text);
  const bool matches = (name == "bool" && value.is_boolean()) ||
                       (name == "int" && (value.is_number_integer())) ||
                       (name == "float" && value.is_number()) || (name == "null" && value.is_null());
  if (!matches) {
    return makeError(ErrorCode::kInvalidArgument, "\"" + std::string(text) + "\" is not a valid !!" +
                                                      std::string(name) + " (Kubernetes refuses it); "
                                                      "remove the tag or fix the value");
  }
  return value;
}

}  // namespace

Result<Json> resolveTaggedScalar(std::string_view tag, std::string_view text) {
  // The text was checked to be UTF-8 before parsing; yaml-cpp alone turns the double-quoted escapes \N
  // and \_ into the lone bytes 0x85 and 0xA0, where go-yaml writes U+0085 and U+00A0.
  if (!isWellFormedUtf8(text)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "a double-quoted escape \\N or \\_ is not supported; write \\u0085 or \\u00A0 instead");
  }
  if (tag == "?") return resolvePlainScalar(text);
  if (tag == "!") return Json(std::string(text));
  const std::optional<std::string_view> name = coreName(tag);
  if (name == "str") return Json(std::string(text));
  if (name == "binary") return decodeBinary(text);
  if (name == "bool" || name == "int" || name == "float" || name == "null") return resolveTyped(*name, text);
  return makeError(ErrorCode::kInvalidArgument,
                   "tag " + shown(tag) + " on a scalar is not supported (Kubernetes ignores or misreads it); "
                   "remove the tag");
}

Status checkCollectionTag(std::string_view tag, bool isMapping) {
  if (tag.empty() || tag == "?" || tag == "!") return okStatus();
  if (coreName(tag) == (isMapping ? "map" : "seq")) return okStatus();
  return makeError(ErrorCode::kInvalidArgument, "tag " + shown(tag) + " on a " +
                                                    (isMapping ? "mapping" : "sequence") +
                                                    " is not supported (Kubernetes ignores it); remove the tag");
}

}  // namespace agentguard::manifest
