#include "common/kube/informer.h"

#include "common/kube/json_fields.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace agentguard::kube {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The longest watch before the informer asks again; the server also ends watches by itself.
constexpr int kMaxWatchSeconds = 240;
// A watch that ends cleanly sooner than this without an event counts as a failure (no tight loop).
constexpr auto kShortestHealthyWatch = std::chrono::seconds(1);

const char* eventName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
  }
  return "UNKNOWN";
}

}  // namespace

struct Informer::State {
  State(KubeClient& kubeClient, Resource watched, InformerOptions informerOptions, log::Logger& log)
      : client(kubeClient),
        resource(std::move(watched)),
        options(std::move(informerOptions)),
        logger(log),
        backoff(options.backoff) {}

  KubeClient& client;
  const Resource resource;
  const InformerOptions options;
  log::Logger& logger;

  std::vector<InformerHandlers> handlers;  // fixed once the thread runs
  StopSignal stop;
  std::thread thread;
  bool started = false;  // guarded by lifecycle
  std::mutex lifecycle;

  std::atomic<bool> synced{false};
  std::atomic<bool> connected{false};
  std::atomic<bool> inStep{false};  // what current() answers

  mutable std::mutex cacheMutex;
  std::map<std::string, std::map<std::string, SharedObject>> cache;  // namespace -> name -> object

  // Informer thread only.
  std::string resourceVersion;
  retry::Backoff backoff;
  Clock::time_point nextResync;

  void run();
  bool list();
  Status watchOnce(bool& sawEvent);
  void apply(WatchEvent&& event);
  void resyncIfDue();
  void pause(std::string_view msg, const Error& error);

  void notifyAdd(const SharedObject& object);
  void notifyUpdate(const SharedObject& previous, const SharedObject& current);
  void notifyDelete(const SharedObject& object);
  void handlerFailed(const char* which, const char* what);

  int watchTimeoutSeconds() const;
  log::Field resourceField() const { return {"resource", resource.resource}; }
  log::Field namespaceField() const { return {"namespace", options.ns}; }
};

// ---------------------------------------------------------------------------------------------------------
// The informer thread

void Informer::State::run() {
  bool needList = true;
  bool expiredWithoutEvent = false;  // the last watch expired before delivering any event
  nextResync = Clock::now() + options.resyncPeriod;
  while (!stop.stopped()) {
    try {
      if (needList) {
        if (!list()) continue;
        needList = false;
      }
      resyncIfDue();
      if (stop.stopped()) break;

      bool sawEvent = false;
      const auto begun = Clock::now();
      const Status status = watchOnce(sawEvent);
      connected = false;
      if (stop.stopped()) break;
      if (!status.ok()) inStep = false;
      if (status.ok()) {
        expiredWithoutEvent = false;
        if (!sawEvent && Clock::now() - begun < kShortestHealthyWatch) {
          pause("Watch ended at once; retrying", makeError(ErrorCode::kUnavailable, "the watch ended at once"));
        }
        continue;  // the server ended the watch: resume from the last version seen
      }
      if (status.error().code == ErrorCode::kGone) {
        logger.info("Re-listing after the watch expired",
                    {resourceField(), namespaceField(), {"resourceVersion", resourceVersion}});
        // Expiring twice in a row without an event points at a server problem: do not hammer it.
        if (expiredWithoutEvent) pause("Watch expired again at once; retrying", status.error());
        expiredWithoutEvent = !sawEvent;
        needList = true;
        continue;
      }
      expiredWithoutEvent = false;
      if (options.relistAfterWatchFailure) needList = true;
      pause("Watch failed; retrying", status.error());
    } catch (const std::exception& e) {
      // Only an allocation failure or a bug gets here; keep the informer alive.
      connected = false;
      inStep = false;
      if (options.relistAfterWatchFailure) needList = true;
      pause("Informer loop failed; retrying", makeError(ErrorCode::kInternal, e.what()));
    }
  }
  connected = false;
  inStep = false;
}

void Informer::State::pause(std::string_view msg, const Error& error) {
  const auto delay = error.retryAfter ? backoff.next(*error.retryAfter) : backoff.next();
  logger.warn(msg, {resourceField(),
                    namespaceField(),
                    {"error", error.describe()},
                    {"retryInMs", static_cast<long long>(delay.count())}});
  stop.waitFor(delay);
}

// Lists everything (paged), replaces the cache with it and delivers the differences to the handlers.
bool Informer::State::list() {
  ListOptions listOptions;
  listOptions.labelSelector = options.labelSelector;
  listOptions.fieldSelector = options.fieldSelector;
  listOptions.limit = options.pageSize;
  auto listed = client.listAll(resource, options.ns, listOptions);
  if (!listed.ok()) {
    connected = false;
    pause("List failed; retrying", listed.error());
    return false;
  }

  std::map<std::string, std::map<std::string, SharedObject>> fresh;
  std::vector<SharedObject> added;
  std::vector<std::pair<SharedObject, SharedObject>> updated;
  std::vector<SharedObject> deleted;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    for (Json& item : listed->items) {
      const std::string ns = metadataString(item, "namespace");
      const std::string name = metadataString(item, "name");
      SharedObject previous;
      if (const auto space = cache.find(ns); space != cache.end()) {
        if (const auto it = space->second.find(name); it != space->second.end()) previous = it->second;
      }
      if (previous && metadataString(*previous, "resourceVersion") == metadataString(item, "resourceVersion")) {
        fresh[ns][name] = previous;  // unchanged: keep the object handlers already hold
        continue;
      }
      auto current = std::make_shared<const Json>(std::move(item));
      fresh[ns][name] = current;
      if (previous) {
        updated.emplace_back(std::move(previous), std::move(current));
      } else {
        added.push_back(std::move(current));
      }
    }
    for (const auto& [ns, objects] : cache) {
      const auto space = fresh.find(ns);
      for (const auto& [name, object] : objects) {
        if (space == fresh.end() || space->second.count(name) == 0) deleted.push_back(object);
      }
    }
    cache = std::move(fresh);
  }
  resourceVersion = listed->resourceVersion;
  inStep = true;
  const bool first = !synced.exchange(true);
  logger.info(first ? "Listed resource" : "Re-listed resource",
              {resourceField(), namespaceField(), {"objects", listed->items.size()},
               {"added", added.size()}, {"updated", updated.size()}, {"deleted", deleted.size()}});
  for (const auto& object : added) notifyAdd(object);
  for (const auto& [previous, current] : updated) notifyUpdate(previous, current);
  for (const auto& object : deleted) notifyDelete(object);
  return true;
}

Status Informer::State::watchOnce(bool& sawEvent) {
  WatchOptions watchOptions;
  watchOptions.resourceVersion = resourceVersion;
  watchOptions.labelSelector = options.labelSelector;
  watchOptions.fieldSelector = options.fieldSelector;
  watchOptions.timeoutSeconds = watchTimeoutSeconds();
  watchOptions.allowBookmarks = true;
  watchOptions.onEstablished = [this] {
    connected = true;
    if (!options.relistAfterWatchFailure) inStep = true;
    backoff.reset();
  };
  return client.watch(
      resource, options.ns, watchOptions,
      [this, &sawEvent](WatchEvent&& event) {
        sawEvent = true;
        apply(std::move(event));
        resyncIfDue();
        return !stop.stopped();
      },
      stop);
}

void Informer::State::apply(WatchEvent&& event) {
  const std::string version = metadataString(event.object, "resourceVersion");
  if (event.type == WatchEventType::kBookmark) {
    if (!version.empty()) resourceVersion = version;
    return;
  }
  const std::string ns = metadataString(event.object, "namespace");
  const std::string name = metadataString(event.object, "name");
  if (name.empty()) {
    logger.warn("Ignored a watch event without a name", {resourceField(), {"type", eventName(event.type)}});
    return;
  }
  auto current = std::make_shared<const Json>(std::move(event.object));
  SharedObject previous;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto& space = cache[ns];
    const auto it = space.find(name);
    if (it != space.end()) previous = it->second;
    if (event.type == WatchEventType::kDeleted) {
      if (it != space.end()) space.erase(it);
      if (space.empty()) cache.erase(ns);
    } else if (it != space.end()) {
      it->second = current;
    } else {
      space.emplace(name, current);
    }
  }
  if (!version.empty()) resourceVersion = version;

  if (event.type == WatchEventType::kDeleted) {
    notifyDelete(current);
  } else if (previous) {
    notifyUpdate(previous, current);
  } else {
    notifyAdd(current);
  }
}

void Informer::State::resyncIfDue() {
  if (options.resyncPeriod.count() <= 0 || Clock::now() < nextResync) return;
  nextResync = Clock::now() + options.resyncPeriod;
  std::vector<SharedObject> all;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    for (const auto& [ns, objects] : cache) {
      for (const auto& [name, object] : objects) all.push_back(object);
    }
  }
  for (const auto& object : all) notifyUpdate(object, object);
}

int Informer::State::watchTimeoutSeconds() const {
  if (options.resyncPeriod.count() <= 0) return kMaxWatchSeconds;
  // End the watch at the next resync, so a quiet watch does not delay it.
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(nextResync - Clock::now()).count() + 1;
  return static_cast<int>(std::clamp<long long>(left, 1, kMaxWatchSeconds));
}

void Informer::State::handlerFailed(const char* which, const char* what) {
  logger.error("Informer handler threw", {resourceField(), {"handler", which}, {"error", what}});
}

void Informer::State::notifyAdd(const SharedObject& object) {
  for (const auto& handler : handlers) {
    if (!handler.onAdd) continue;
    try {
      handler.onAdd(object);
    } catch (const std::exception& e) {
      handlerFailed("onAdd", e.what());
    }
  }
}

void Informer::State::notifyUpdate(const SharedObject& previous, const SharedObject& current) {
  for (const auto& handler : handlers) {
    if (!handler.onUpdate) continue;
    try {
      handler.onUpdate(previous, current);
    } catch (const std::exception& e) {
      handlerFailed("onUpdate", e.what());
    }
  }
}

void Informer::State::notifyDelete(const SharedObject& object) {
  for (const auto& handler : handlers) {
    if (!handler.onDelete) continue;
    try {
      handler.onDelete(object);
    } catch (const std::exception& e) {
      handlerFailed("onDelete", e.what());
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Informer

Informer::Informer(KubeClient& client, Resource resource, InformerOptions options, log::Logger& logger)
    : state_(std::make_shared<State>(client, std::move(resource), std::move(options), logger)) {}

Informer::~Informer() { stop(); }

void Informer::addHandlers(InformerHandlers handlers) {
  std::lock_guard<std::mutex> lock(state_->lifecycle);
  if (state_->started) {
    state_->logger.error("Ignored informer handlers added after start", {state_->resourceField()});
    return;
  }
  state_->handlers.push_back(std::move(handlers));
}

void Informer::start() {
  std::lock_guard<std::mutex> lock(state_->lifecycle);
  if (state_->started || state_->stop.stopped()) return;
  state_->started = true;
  state_->thread = std::thread([state = state_] { state->run(); });
}

void Informer::stop() {
  state_->stop.stop();
  std::lock_guard<std::mutex> lock(state_->lifecycle);
  // From a handler (the informer thread itself) the loop ends after the handler returns; it cannot join
  // itself, and the thread keeps the state alive until then.
  if (state_->thread.get_id() == std::this_thread::get_id()) {
    state_->thread.detach();
    return;
  }
  if (state_->thread.joinable()) state_->thread.join();
}

bool Informer::hasSynced() const { return state_->synced; }
bool Informer::connected() const { return state_->connected; }
bool Informer::current() const { return state_->inStep; }

SharedObject Informer::get(const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> lock(state_->cacheMutex);
  const auto space = state_->cache.find(ns);
  if (space == state_->cache.end()) return nullptr;
  const auto it = space->second.find(name);
  return it == space->second.end() ? nullptr : it->second;
}

std::vector<SharedObject> Informer::list(const std::string& ns) const {
  std::vector<SharedObject> out;
  std::lock_guard<std::mutex> lock(state_->cacheMutex);
  for (const auto& [space, objects] : state_->cache) {
    if (!ns.empty() && space != ns) continue;
    for (const auto& [name, object] : objects) out.push_back(object);
  }
  return out;
}

}  // namespace agentguard::kube
