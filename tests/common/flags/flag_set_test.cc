#include "common/flags/flag_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentguard::flags {
namespace {

using namespace std::chrono_literals;

struct Parsed {
  std::string listen = ":8443";
  std::vector<std::string> layers;
  std::chrono::milliseconds wait = 1s;
  std::uint64_t workers = 8;
  bool elect = false;
  bool help = false;
  Status status;
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed out;
  FlagSet set;
  set.help(out.help);
  set.value("listen", text(out.listen));
  set.value("policies", [&out](const std::string& value) -> std::optional<std::string> {
    out.layers.push_back(value);
    return std::nullopt;
  });
  set.value("wait", duration(out.wait));
  set.value("workers", count(out.workers, 1, 64, "expected a number from 1 to 64"));
  set.toggle("leader-elect", out.elect);
  out.status = set.parse(args);
  return out;
}

TEST(FlagSetTest, ReadsBothSpellingsAndKeepsTheLastOccurrence) {
  const Parsed parsed = parse({"--listen", "a", "--listen=b", "--policies", "p1", "--policies=p2", "--wait=1h30m",
                               "--workers", "3", "--leader-elect"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.error().message;
  EXPECT_EQ(parsed.listen, "b");
  EXPECT_EQ(parsed.layers, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(parsed.wait, 90min);
  EXPECT_EQ(parsed.workers, 3u);
  EXPECT_TRUE(parsed.elect);
  EXPECT_FALSE(parsed.help);
}

TEST(FlagSetTest, DefaultsStayWhenAFlagIsAbsent) {
  const Parsed parsed = parse({});
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.listen, ":8443");
  EXPECT_EQ(parsed.wait, 1s);
  EXPECT_FALSE(parsed.elect);
}

TEST(FlagSetTest, AnEmptyValueIsAValue) {
  // `--listen=` must not swallow the next argument as its value.
  Parsed parsed = parse({"--listen=", "--workers", "2"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.error().message;
  EXPECT_EQ(parsed.listen, "");
  EXPECT_EQ(parsed.workers, 2u);
  parsed = parse({"--listen", ""});
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.listen, "");
}

TEST(FlagSetTest, TogglesTakeAnOptionalTruthValueButNeverTheNextArgument) {
  EXPECT_FALSE(parse({"--leader-elect", "--leader-elect=false"}).elect);
  EXPECT_TRUE(parse({"--leader-elect=1"}).elect);
  EXPECT_FALSE(parse({"--leader-elect=0"}).elect);
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"--help"}).help);
  const Parsed maybe = parse({"--leader-elect=maybe"});
  ASSERT_FALSE(maybe.status.ok());
  EXPECT_EQ(maybe.status.error().message, "--leader-elect: expected true or false (see --help)");
  const Parsed next = parse({"--leader-elect", "true"});
  ASSERT_FALSE(next.status.ok());
  EXPECT_EQ(next.status.error().message, "unexpected argument 'true' (see --help)");
}

TEST(FlagSetTest, RefusalsNameTheFlagAndTheFix) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--listen"}, "--listen: needs a value (see --help)"},
      {{"--nope", "1"}, "unknown flag --nope (see --help)"},
      {{"--nope=1"}, "unknown flag --nope (see --help)"},
      {{"-x"}, "unknown flag -x (see --help)"},
      {{"--list", "a"}, "unknown flag --list (see --help)"},  // no abbreviations
      {{"stray"}, "unexpected argument 'stray' (see --help)"},
      {{"--workers", "0"}, "--workers: expected a number from 1 to 64 (see --help)"},
      {{"--workers", "-1"}, "--workers: expected a number from 1 to 64 (see --help)"},
      {{"--workers", "3x"}, "--workers: expected a number from 1 to 64 (see --help)"},
      {{"--wait", "soon"}, "--wait: \"soon\" is not a duration like 500ms, 10s, 5m, 1h or 1h30m (see --help)"},
      {{"--wait", "0s"}, "--wait: must be more than 0 (see --help)"},
      {{"--wait", "2562048h"}, "--wait: \"2562048h\" is too long: at most 2562047h47m16.854s (see --help)"},
      // The first refusal wins, in argument order.
      {{"--workers", "0", "--wait", "soon"}, "--workers: expected a number from 1 to 64 (see --help)"},
  };
  for (const auto& [args, message] : cases) {
    const Parsed parsed = parse(args);
    ASSERT_FALSE(parsed.status.ok()) << message;
    EXPECT_EQ(parsed.status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.status.error().message, message);
  }
}

TEST(FlagSetTest, AValueMayLookLikeAFlag) {
  // As before: the argument after a flag that takes a value is its value, whatever it looks like.
  const Parsed parsed = parse({"--listen", "--workers"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.error().message;
  EXPECT_EQ(parsed.listen, "--workers");
}

TEST(FlagSetTest, ChoicesListTheWords) {
  enum class Mode { kDeny, kAllow };
  Mode mode = Mode::kDeny;
  FlagSet set;
  set.value("on-failure", choice(mode, {{"deny", Mode::kDeny}, {"allow", Mode::kAllow}}));
  ASSERT_TRUE(set.parse({"--on-failure", "allow"}).ok());
  EXPECT_EQ(mode, Mode::kAllow);
  FlagSet again;
  again.value("on-failure", choice(mode, {{"deny", Mode::kDeny}, {"allow", Mode::kAllow}, {"warn", Mode::kDeny}}));
  Status refused = again.parse({"--on-failure=maybe"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "--on-failure: expected deny, allow or warn (see --help)");
}

TEST(FlagSetTest, NamesEveryFlag) {
  FlagSet set;
  bool help = false;
  std::string value;
  set.help(help);
  set.value("listen", text(value));
  set.toggle("leader-elect", help);
  EXPECT_THAT(set.names(), ::testing::UnorderedElementsAre("--help", "--listen", "--leader-elect"));
}

}  // namespace
}  // namespace agentguard::flags
