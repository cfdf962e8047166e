#include "engine/workload/object_memo.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/workload/object_view.h"

namespace agentguard::engine {
namespace {

struct Length {
  size_t value = 0;
};

struct Shout {
  std::string value;
};

// A result derived from the view's name, counting how often it is computed.
const Length& nameLength(const ObjectView& view, int& computed) {
  return view.memo().get<Length>([&] {
    ++computed;
    return Length{view.name().size()};
  });
}

nlohmann::json namedObject(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
}

TEST(ObjectMemoTest, ComputesEachResultOnceAndReturnsTheSameObject) {
  const auto body = namedObject("four");
  const ObjectView view(body, "default");
  int computed = 0;
  const Length& first = nameLength(view, computed);
  const Length& second = nameLength(view, computed);
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(first.value, 4u);
}

TEST(ObjectMemoTest, KeepsOneResultPerType) {
  const auto body = namedObject("four");
  const ObjectView view(body, "default");
  int computed = 0;
  nameLength(view, computed);
  const Shout& shout = view.memo().get<Shout>([&] { return Shout{view.name() + "!"}; });
  EXPECT_EQ(shout.value, "four!");
  EXPECT_EQ(nameLength(view, computed).value, 4u);
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(view.memo().size(), 2u);
}

TEST(ObjectMemoTest, ComputeMayAskForOtherResults) {
  const auto body = namedObject("four");
  const ObjectView view(body, "default");
  int computed = 0;
  const Shout& shout = view.memo().get<Shout>([&] { return Shout{std::to_string(nameLength(view, computed).value)}; });
  EXPECT_EQ(shout.value, "4");
  EXPECT_EQ(&view.memo().get<Shout>([] { return Shout{"again"}; }), &shout);
  EXPECT_EQ(computed, 1);
}

TEST(ObjectMemoTest, IsNotSharedBetweenViews) {
  const auto shortBody = namedObject("ab");
  const auto longBody = namedObject("abcdef");
  const ObjectView shortView(shortBody, "default");
  const ObjectView longView(longBody, "default");
  const ObjectView sameBodyView(shortBody, "default");
  int computed = 0;
  EXPECT_EQ(nameLength(shortView, computed).value, 2u);
  EXPECT_EQ(nameLength(longView, computed).value, 6u);
  EXPECT_EQ(nameLength(sameBodyView, computed).value, 2u);
  EXPECT_EQ(computed, 3);
}

TEST(ObjectMemoTest, CopiesAndMovesStartEmpty) {
  const auto body = namedObject("four");
  ObjectView view(body, "default");
  int computed = 0;
  nameLength(view, computed);
  const ObjectView copy = view;
  EXPECT_EQ(copy.memo().size(), 0u);
  const ObjectView moved = std::move(view);
  EXPECT_EQ(moved.memo().size(), 0u);
  nameLength(copy, computed);
  nameLength(moved, computed);
  EXPECT_EQ(computed, 3);
}

}  // namespace
}  // namespace agentguard::engine
