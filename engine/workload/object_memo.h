#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace agentguard::engine {

// Results derived from one object, computed on first use and kept while the object is evaluated, so that
// rules needing the same derived data (the text places every credentials rule scans, say) compute it once
// per object instead of once per rule. Results are keyed by their type: a rule module declares a struct
// for what it derives and a function that asks the memo for it.
//
// A memo belongs to one ObjectView, and so to one evaluation on one thread: it is not safe for
// concurrent use. Copies and moves start empty, since a result may point into the view it was computed for.
class ObjectMemo {
 public:
  ObjectMemo() = default;
  ObjectMemo(const ObjectMemo&) {}
  ObjectMemo(ObjectMemo&&) noexcept {}
  ObjectMemo& operator=(const ObjectMemo&) {
    entries_.clear();
    return *this;
  }
  ObjectMemo& operator=(ObjectMemo&&) noexcept {
    entries_.clear();
    return *this;
  }
  ~ObjectMemo() = default;

  // The result of type T: `compute()` (which returns a T) on the first call, the same object afterwards.
  // `compute` may itself ask the memo for results of other types.
  template <typename T, typename Compute>
  const T& get(Compute&& compute) const {
    static_assert(std::is_same_v<std::invoke_result_t<Compute>, T>, "compute() must return the memo's type");
    const void* key = &kTypeKey<T>;
    for (const Entry& entry : entries_) {
      if (entry.key == key) return *static_cast<const T*>(entry.value.get());
    }
    auto value = std::make_unique<const T>(std::forward<Compute>(compute)());
    const T& result = *value;
    entries_.push_back({key, Value(value.release(), [](const void* p) { delete static_cast<const T*>(p); })});
    return result;
  }

  // How many results the memo holds.
  size_t size() const { return entries_.size(); }

 private:
  // One variable per type, whose address identifies the type without RTTI.
  template <typename T>
  static constexpr char kTypeKey = 0;

  using Value = std::unique_ptr<const void, void (*)(const void*)>;
  struct Entry {
    const void* key;
    Value value;
  };
  mutable std::vector<Entry> entries_;
};

}  // namespace agentguard::engine
