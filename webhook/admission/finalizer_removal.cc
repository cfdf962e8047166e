#include "webhook/admission/finalizer_removal.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace agentguard::webhook {
namespace {

using Json = nlohmann::json;

// Written by the API server on every update, whoever sends it.
constexpr std::array<std::string_view, 3> kServerMaintained = {"resourceVersion", "managedFields", "generation"};

bool serverMaintained(std::string_view key) {
  return std::find(kServerMaintained.begin(), kServerMaintained.end(), key) != kServerMaintained.end();
}

// metadata.finalizers as a list; an absent or null list is empty. Null when it is not a list.
const Json* finalizersOf(const Json& metadata, const Json& empty) {
  const auto found = metadata.find("finalizers");
  if (found == metadata.end() || found->is_null()) return &empty;
  return found->is_array() ? &*found : nullptr;
}

// Every finalizer of `now` was already in `before` (duplicates counted), so entries were only removed.
bool onlyRemoved(const Json& now, const Json& before) {
  std::vector<const Json*> remaining;
  for (const auto& entry : before) remaining.push_back(&entry);
  for (const auto& entry : now) {
    const auto match = std::find_if(remaining.begin(), remaining.end(), [&](const Json* old) { return *old == entry; });
    if (match == remaining.end()) return false;
    remaining.erase(match);
  }
  return true;
}

// The members of `object` other than `skip`, compared with `other`'s, both ways.
template <typename Skip>
bool sameApartFrom(const Json& object, const Json& other, Skip skip) {
  for (const auto& [key, value] : object.items()) {
    if (skip(key)) continue;
    const auto found = other.find(key);
    if (found == other.end() || *found != value) return false;
  }
  for (const auto& [key, value] : other.items()) {
    if (!skip(key) && !object.contains(key)) return false;
  }
  return true;
}

}  // namespace

bool beingDeleted(const Json& object) {
  const auto metadata = object.find("metadata");
  return metadata != object.end() && metadata->is_object() && metadata->contains("deletionTimestamp") &&
         !(*metadata)["deletionTimestamp"].is_null();
}

bool onlyRemovesFinalizers(const Json& object, const Json& oldObject) {
  if (!object.is_object() || !oldObject.is_object()) return false;
  if (!sameApartFrom(object, oldObject, [](std::string_view key) { return key == "metadata"; })) return false;
  const auto metadata = object.find("metadata");
  const auto oldMetadata = oldObject.find("metadata");
  if (metadata == object.end() || oldMetadata == oldObject.end() || !metadata->is_object() ||
      !oldMetadata->is_object()) {
    return false;
  }
  if (!sameApartFrom(*metadata, *oldMetadata,
                     [](std::string_view key) { return key == "finalizers" || serverMaintained(key); })) {
    return false;
  }
  const Json empty = Json::array();
  const Json* finalizers = finalizersOf(*metadata, empty);
  const Json* oldFinalizers = finalizersOf(*oldMetadata, empty);
  if (finalizers == nullptr || oldFinalizers == nullptr) return false;
  return finalizers->size() < oldFinalizers->size() && onlyRemoved(*finalizers, *oldFinalizers);
}

}  // namespace agentguard::webhook
