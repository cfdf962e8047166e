#include "tests/operator/support/fake_cluster.h"

#include "common/kube/resource.h"
#include "operator/api/agent_sandbox.h"

namespace agentguard::op::testing {

using nlohmann::json;

namespace {

Error refused() { return makeError(ErrorCode::kInternal, "FakeCluster does not list or watch"); }

bool hasFinalizers(const json& object) {
  const json& metadata = object["metadata"];
  return metadata.contains("finalizers") && metadata["finalizers"].is_array() && !metadata["finalizers"].empty();
}

bool isOperatorManaged(const json& object) {
  const json labels = object["metadata"].value("labels", json::object());
  return labels.value(std::string(kManagedByLabel), "") == kManagedByValue;
}

}  // namespace

FakeCluster::Key FakeCluster::keyOf(const kube::Resource& resource, std::string_view ns, std::string_view name) {
  return resource.resource + "/" + std::string(resource.namespaced ? ns : "") + "/" + std::string(name);
}

json FakeCluster::stored(const Key& key, json object) {
  object["metadata"]["resourceVersion"] = std::to_string(++revision_);
  if (!object["metadata"].contains("uid")) object["metadata"]["uid"] = "uid-" + std::to_string(revision_);
  objects_[key] = object;
  return object;
}

json FakeCluster::put(const kube::Resource& resource, json object) {
  std::lock_guard<std::mutex> lock(mutex_);
  const json& metadata = object["metadata"];
  return stored(keyOf(resource, metadata.value("namespace", ""), metadata.value("name", "")), std::move(object));
}

std::optional<json> FakeCluster::find(const kube::Resource& resource, const std::string& ns,
                                      const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = objects_.find(keyOf(resource, ns, name));
  return it == objects_.end() ? std::nullopt : std::optional<json>(it->second);
}

std::vector<std::string> FakeCluster::writes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return writes_;
}

void FakeCluster::failNext(const std::string& verb, const kube::Resource& resource, Error error) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.insert_or_assign(verb + " " + resource.resource, std::move(error));
}

void FakeCluster::hideFromCache(const kube::Resource& resource, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  hidden_.insert(keyOf(resource, ns, name));
}

std::optional<Error> FakeCluster::takeFailure(const std::string& verb, const kube::Resource& resource) {
  const auto it = failures_.find(verb + " " + resource.resource);
  if (it == failures_.end()) return std::nullopt;
  Error error = it->second;
  failures_.erase(it);
  return error;
}

void FakeCluster::record(const std::string& verb, const kube::Resource& resource, std::string_view subresource,
                         std::string_view ns, std::string_view name) {
  writes_.push_back(verb + " " + resource.resource + (subresource.empty() ? "" : "/" + std::string(subresource)) +
                    " " + std::string(ns) + "/" + std::string(name));
}

Result<json> FakeCluster::get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                              std::string_view) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = objects_.find(keyOf(resource, ns, name));
  if (it == objects_.end()) return makeError(ErrorCode::kNotFound, resource.resource + " " + std::string(name) + " not found");
  return it->second;
}

Result<kube::ObjectList> FakeCluster::list(const kube::Resource&, std::string_view, const kube::ListOptions&) {
  return refused();
}

Result<json> FakeCluster::create(const kube::Resource& resource, std::string_view ns, const json& body,
                                 const kube::WriteOptions&) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string name = body["metadata"].value("name", "");
  record("create", resource, "", ns, name);
  if (auto failure = takeFailure("create", resource)) return *failure;
  const Key key = keyOf(resource, ns, name);
  if (objects_.count(key) != 0) return makeError(ErrorCode::kAlreadyExists, name + " already exists");
  json object = body;
  object["metadata"]["namespace"] = std::string(ns);
  object["metadata"].erase("uid");
  object["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  return stored(key, std::move(object));
}

Result<FakeCluster::Objects::iterator> FakeCluster::target(const std::string& verb, const kube::Resource& resource,
                                                           std::string_view subresource, std::string_view ns,
                                                           std::string_view name, const std::string& expectedVersion) {
  record(verb, resource, subresource, ns, name);
  if (auto failure = takeFailure(verb, resource)) return *failure;
  const auto it = objects_.find(keyOf(resource, ns, name));
  if (it == objects_.end()) return makeError(ErrorCode::kNotFound, std::string(name) + " not found");
  if (!expectedVersion.empty() && expectedVersion != it->second["metadata"].value("resourceVersion", "")) {
    return makeError(ErrorCode::kConflict, "the object has been modified");
  }
  return it;
}

Result<json> FakeCluster::replace(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                  const json& body, std::string_view subresource, const kube::WriteOptions&) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = target("replace", resource, subresource, ns, name, body["metadata"].value("resourceVersion", ""));
  if (!it.ok()) return it.error();
  const json& live = (*it)->second;
  json object = body;
  object["metadata"]["uid"] = live["metadata"]["uid"];
  if (live["metadata"].contains("deletionTimestamp")) {
    object["metadata"]["deletionTimestamp"] = live["metadata"]["deletionTimestamp"];
  }
  return stored((*it)->first, std::move(object));
}

Result<json> FakeCluster::mergePatch(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                     const json& patch, std::string_view subresource, const kube::WriteOptions&) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = target("patch", resource, subresource, ns, name,
                   patch.value("metadata", json::object()).value("resourceVersion", ""));
  if (!it.ok()) return it.error();
  json object = (*it)->second;
  object.merge_patch(subresource == "status" ? json{{"status", patch.value("status", json::object())}} : patch);
  if (object["metadata"].contains("deletionTimestamp") && !hasFinalizers(object)) {
    objects_.erase(*it);
    return object;
  }
  return stored((*it)->first, std::move(object));
}

Result<json> FakeCluster::apply(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                const json& body, std::string_view subresource, const kube::WriteOptions&) {
  std::lock_guard<std::mutex> lock(mutex_);
  record("apply", resource, subresource, ns, name);
  if (auto failure = takeFailure("apply", resource)) return *failure;
  const Key key = keyOf(resource, ns, name);
  json object = body;
  object["metadata"]["namespace"] = std::string(ns);
  if (const auto it = objects_.find(key); it != objects_.end()) {
    object["metadata"]["uid"] = it->second["metadata"]["uid"];
    if (it->second.contains("spec") && it->second["spec"].is_object() && it->second["spec"].contains("clusterIP")) {
      object["spec"]["clusterIP"] = it->second["spec"]["clusterIP"];  // allocated once, kept
    }
  } else {
    object["metadata"].erase("uid");
    object["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  }
  return stored(key, std::move(object));
}

Status FakeCluster::remove(const kube::Resource& resource, std::string_view ns, std::string_view name,
                           const kube::DeleteOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = target("delete", resource, "", ns, name, "");
  if (!it.ok()) return it.error();
  json object = (*it)->second;
  if (options.preconditionUid && *options.preconditionUid != object["metadata"].value("uid", "")) {
    return makeError(ErrorCode::kConflict, "precondition failed: uid");
  }
  if (!hasFinalizers(object)) {
    objects_.erase(*it);
    return Status{};
  }
  object["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  stored((*it)->first, std::move(object));
  return Status{};
}

Status FakeCluster::watch(const kube::Resource&, std::string_view, const kube::WatchOptions&,
                          const std::function<bool(kube::WatchEvent&&)>&, const kube::StopSignal&) {
  return refused();
}

kube::SharedObject FakeCluster::cached(const kube::Resource& resource, std::string_view ns,
                                       std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Key key = keyOf(resource, ns, name);
  const auto it = objects_.find(key);
  if (it == objects_.end() || hidden_.count(key) != 0) return nullptr;
  return std::make_shared<const json>(it->second);
}

std::vector<kube::SharedObject> FakeCluster::cachedIn(const kube::Resource& resource, const std::string& ns) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string prefix = keyOf(resource, ns, "");
  std::vector<kube::SharedObject> out;
  for (const auto& [key, object] : objects_) {
    if (key.rfind(prefix, 0) == 0 && hidden_.count(key) == 0) out.push_back(std::make_shared<const json>(object));
  }
  return out;
}

kube::SharedObject FakeCluster::sandbox(const std::string& ns, const std::string& name) const {
  return cached(kube::resources::agentSandboxes(), ns, name);
}
std::vector<kube::SharedObject> FakeCluster::sandboxes(const std::string& ns) const {
  return cachedIn(kube::resources::agentSandboxes(), ns);
}
kube::SharedObject FakeCluster::pod(const std::string& ns, const std::string& name) const {
  return cached(kube::resources::pods(), ns, name);
}
kube::SharedObject FakeCluster::networkPolicy(const std::string& ns, const std::string& name) const {
  return cached(kube::resources::networkPolicies(), ns, name);
}
kube::SharedObject FakeCluster::runtimeClass(const std::string& name) const {
  return cached(kube::resources::runtimeClasses(), "", name);
}
std::vector<kube::SharedObject> FakeCluster::otherNetworkPolicies(const std::string& ns) const {
  std::vector<kube::SharedObject> out;
  for (auto& policy : cachedIn(kube::resources::networkPolicies(), ns)) {
    if (!isOperatorManaged(*policy)) out.push_back(std::move(policy));
  }
  return out;
}
std::vector<kube::SharedObject> FakeCluster::services(const std::string& ns) const {
  return cachedIn(kube::resources::services(), ns);
}
std::vector<kube::SharedObject> FakeCluster::sandboxClasses() const {
  return cachedIn(kube::resources::agentSandboxClasses(), "");
}

}  // namespace agentguard::op::testing
