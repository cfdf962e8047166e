#include "engine/rules/credentials/object_texts.h"

#include "engine/rules/credentials/char_classes.h"
#include "engine/rules/credentials/sensitive_names.h"

namespace agentguard::engine::credentials {
namespace {

// Room reserved for an object's texts up front: a typical workload's env vars, args and annotations fit,
// so that the list is not copied as it grows.
constexpr size_t kExpectedTexts = 64;

// UPPER_SNAKE keys are the ones meant for envFrom; lower-case keys such as "credentials" are file names,
// whose contents credentials.known-token and credentials.high-entropy look into.
bool isUpperSnakeName(std::string_view key) {
  if (key.empty() || isDigit(key.front())) return false;
  for (const char c : key) {
    if (!isUpper(c) && !isDigit(c) && c != '_') return false;
  }
  return true;
}

// A copy of `base` that lives as long as `texts`. Places come container by container, so only a base
// that differs from the last one copied is copied again: one copy per container, none per text.
std::string_view keptBase(ObjectTexts& texts, std::string_view base) {
  if (texts.bases.empty() || texts.bases.front() != base) texts.bases.emplace_front(base);
  return texts.bases.front();
}

}  // namespace

bool isSensitiveLiteral(const TextPlace& place) {
  const bool envLike =
      place.kind == PlaceKind::kEnvValue || (place.kind == PlaceKind::kConfigMapValue && isUpperSnakeName(place.key));
  return envLike && isSensitiveName(place.key) && !isNonSecretLiteral(place.text);
}

ObjectTexts collectObjectTexts(const ObjectView& object) {
  ObjectTexts result;
  result.texts.reserve(kExpectedTexts);
  result.unwalkedPath = forEachTextPlace(object, [&result](const TextPlace& place) {
    ObjectText text{place, isSensitiveLiteral(place)};
    if (!place.base.empty()) text.place.base = keptBase(result, place.base);
    result.texts.push_back(text);
  });
  return result;
}

const ObjectTexts& objectTexts(const ObjectView& object) {
  return object.memo().get<ObjectTexts>([&object] { return collectObjectTexts(object); });
}

}  // namespace agentguard::engine::credentials
