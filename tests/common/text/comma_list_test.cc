#include "common/text/comma_list.h"

#include <gtest/gtest.h>

namespace agentguard::text {
namespace {

using Items = std::vector<std::string>;

TEST(CommaListTest, SplitsTrimsAndDropsEmptyItems) {
  EXPECT_EQ(splitCommaList("a,b, c"), (Items{"a", "b", "c"}));
  EXPECT_EQ(splitCommaList(" a , ,b,,"), (Items{"a", "b"}));
  EXPECT_EQ(splitCommaList("b,a,b"), (Items{"b", "a", "b"}));  // order and repeats kept
  EXPECT_EQ(splitCommaList("one two"), (Items{"one two"}));    // inner blanks kept
  EXPECT_EQ(splitCommaList(""), Items{});
  EXPECT_EQ(splitCommaList(" , "), Items{});
  EXPECT_EQ(splitCommaList(","), Items{});
}

TEST(CommaListTest, TrimsOnlyTheGivenBlanks) {
  EXPECT_EQ(splitCommaList("a,\tb"), (Items{"a", "\tb"}));
  EXPECT_EQ(splitCommaList("a,\tb \t", " \t"), (Items{"a", "b"}));
  EXPECT_EQ(splitCommaList("\t,", " \t"), Items{});
}

}  // namespace
}  // namespace agentguard::text
