#include "operator/reconciler/recent_writes.h"

#include <cstdlib>

namespace agentguard::op {

using nlohmann::json;

namespace {

constexpr size_t kMaxEntries = 4096;

std::string meta(const json& object, const char* key) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const json& metadata = object["metadata"];
  return metadata.is_object() ? metadata.value(key, "") : "";
}

// 0 when not a number.
uint64_t revision(const json& object) {
  const std::string text = meta(object, "resourceVersion");
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::strtoull(text.c_str(), nullptr, 10);
}

// A write that removed the last finalizer of an object already being deleted: the API server deleted it with
// that write, and its DELETED event may have reached the informer before this answer.
bool deletedByTheWrite(const json& object) {
  if (meta(object, "deletionTimestamp").empty()) return false;
  const json& metadata = object["metadata"];
  return !metadata.contains("finalizers") || !metadata["finalizers"].is_array() || metadata["finalizers"].empty();
}

}  // namespace

void RecentWrites::remember(Kind kind, const json& object, const std::function<kube::SharedObject()>& readCache) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Key key{kind, meta(object, "namespace"), meta(object, "name")};
  if (deletedByTheWrite(object)) {
    // Remembered as a deletion: an object kept here could outlive its DELETED event and hide a new one forever.
    entries_[key] = Entry{nullptr, meta(object, "uid")};
    return;
  }
  if (readCache) {
    const kube::SharedObject cached = readCache();
    if (cached && meta(*cached, "uid") == meta(object, "uid") && revision(object) != 0 &&
        revision(*cached) >= revision(object)) {
      entries_.erase(key);
      return;
    }
  }
  // A bound on what a lost event could leave behind; forgetting is always safe (the cache is the truth).
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[key] = Entry{std::make_shared<const json>(object), ""};
}

void RecentWrites::rememberDeleted(Kind kind, const std::string& ns, const std::string& name, const std::string& uid) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[{kind, ns, name}] = Entry{nullptr, uid};
}

void RecentWrites::observe(Kind kind, const json& object, bool deleted) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find({kind, meta(object, "namespace"), meta(object, "name")});
  if (it == entries_.end()) return;
  const Entry& entry = it->second;
  const std::string uid = meta(object, "uid");
  if (entry.object) {
    const bool sameObject = meta(*entry.object, "uid") == uid;
    if (deleted ? sameObject : (!sameObject || revision(object) == 0 || revision(object) >= revision(*entry.object))) {
      // The cache has caught up (or moved past, or on to another object): it is the truth again.
      entries_.erase(it);
    }
  } else if (deleted || uid != entry.deletedUid) {
    entries_.erase(it);
  }
}

kube::SharedObject RecentWrites::resolve(Kind kind, const std::string& ns, const std::string& name,
                                         const kube::SharedObject& cached) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find({kind, ns, name});
  if (it == entries_.end()) return cached;
  const Entry& entry = it->second;
  if (!entry.object) {
    return cached && meta(*cached, "uid") == entry.deletedUid ? nullptr : cached;
  }
  if (!cached) return entry.object;
  const uint64_t cachedRevision = revision(*cached);
  const uint64_t writtenRevision = revision(*entry.object);
  if (cachedRevision == 0 || writtenRevision == 0) return cached;
  return writtenRevision > cachedRevision ? entry.object : cached;
}

size_t RecentWrites::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace agentguard::op
