#include "engine/rules/credentials/object_texts.h"

#include "engine/rules/credentials/assignments.h"
#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/sensitive_names.h"

namespace agentguard::engine::credentials {
namespace {

// Room reserved for an object's texts up front: a typical workload's env vars, args and annotations fit,
// so that the list is not copied as it grows.
constexpr size_t kExpectedTexts = 64;

// A ConfigMap key that envFrom would turn into an env var holding the value: a name rather than a file name
// (no '.'), with a one-line value. Multi-line values are files, whose settings findSecretAssignment reads.
bool isEnvLikeEntry(std::string_view key, std::string_view value) {
  if (key.empty() || isDigit(key.front()) || key.find('.') != std::string_view::npos) return false;
  const size_t newline = value.find('\n');
  return newline == std::string_view::npos || newline + 1 == value.size();
}

// A lower-case DNS-1123 subdomain: the name of an object.
bool isObjectName(std::string_view value) {
  if (value.empty() || value.size() > 253) return false;
  for (const char c : value) {
    if (!isLower(c) && !isDigit(c) && c != '-' && c != '.') return false;
  }
  return isAlnum(value.front()) && isAlnum(value.back());
}

// "tokenSecret: agent-token", "credentialsSecret: s3-creds": the name of a Secret, not a secret.
bool namesSecretObject(std::string_view key, std::string_view value) {
  for (const auto ending : {"secret", "secrets", "credential", "credentials", "secretname"}) {
    const std::string_view end(ending);
    if (key.size() >= end.size() && equalsIgnoreCase(key.substr(key.size() - end.size()), end)) {
      return isObjectName(value);
    }
  }
  return false;
}

bool isArgumentList(PlaceKind kind) {
  return kind == PlaceKind::kArgument || kind == PlaceKind::kCommand || kind == PlaceKind::kHookCommand;
}

// The setting the place's own name makes, if its name is one that holds a value.
std::string_view ownSettingName(const TextPlace& place) {
  switch (place.kind) {
    case PlaceKind::kEnvValue:
      return place.key;
    case PlaceKind::kConfigMapValue:
    case PlaceKind::kConfigMapBinary:
      return isEnvLikeEntry(place.key, place.text) ? place.key : std::string_view{};
    case PlaceKind::kHttpHeader:
      return equalsIgnoreCase(place.key, "authorization") || equalsIgnoreCase(place.key, "proxy-authorization")
                 ? "Authorization"
                 : place.key;
    case PlaceKind::kVolumeAttribute:
    case PlaceKind::kField:
      return namesSecretObject(place.key, place.text) ? std::string_view{} : place.key;
    default:
      return {};
  }
}

// A copy of `base` that lives as long as `texts`. Places come container by container, so only a base
// that differs from the last one copied is copied again: one copy per container, none per text.
std::string_view keptBase(ObjectTexts& texts, std::string_view base) {
  if (texts.bases.empty() || texts.bases.front() != base) texts.bases.emplace_front(base);
  return texts.bases.front();
}

}  // namespace

std::string_view secretSettingName(const TextPlace& place, const TextPlace* previous) {
  // A secret-named env var taken from a ConfigMap: the literal lies in the ConfigMap, under any key.
  if (place.kind == PlaceKind::kEnvConfigMapRef) return isSensitiveName(place.key) ? place.key : std::string_view{};
  const std::string_view own = ownSettingName(place);
  if (!own.empty() && (isSensitiveName(own) || own == "Authorization")) {
    return isNonSecretLiteral(place.text) ? std::string_view{} : own;
  }
  if (previous != nullptr && isArgumentList(place.kind) && previous->kind == place.kind &&
      previous->base == place.base && previous->hook == place.hook && previous->index + 1 == place.index) {
    const std::string_view flag = secretFlagName(previous->text);
    if (!flag.empty() && !place.text.empty() && place.text.front() != '-' && !isNonSecretLiteral(place.text)) {
      return flag;
    }
  }
  if (const auto assignment = findSecretAssignment(place.text)) return assignment->name;
  return {};
}

bool isSensitiveLiteral(const TextPlace& place) { return !secretSettingName(place, nullptr).empty(); }

ObjectTexts collectObjectTexts(const ObjectView& object) {
  ObjectTexts result;
  result.texts.reserve(kExpectedTexts);
  result.unwalkedPath = forEachTextPlace(object, [&result](const TextPlace& place) {
    ObjectText text{place, false, {}};
    if (!place.base.empty()) text.place.base = keptBase(result, place.base);
    if (place.transient) {
      text.place.text = result.transientTexts.emplace_front(place.text);
      text.place.transient = false;
    }
    const TextPlace* previous = result.texts.empty() ? nullptr : &result.texts.back().place;
    text.secretName = secretSettingName(text.place, previous);
    text.sensitiveLiteral = !text.secretName.empty();
    result.texts.push_back(text);
  });
  return result;
}

const ObjectTexts& objectTexts(const ObjectView& object) {
  return object.memo().get<ObjectTexts>([&object] { return collectObjectTexts(object); });
}

}  // namespace agentguard::engine::credentials
