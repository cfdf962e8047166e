#include "gate/policy/json_pointer.h"

#include <gtest/gtest.h>

namespace agentguard::gate::policy {
namespace {

const nlohmann::json kArguments = nlohmann::json::parse(R"({
  "url": "https://docs.example.com/",
  "a/b": "slash",
  "m~n": "tilde",
  "~1": "literal tilde-one",
  "": "empty key",
  "items": ["zero", "one"],
  "nested": {"path": "/workspace/a"}
})");

std::string at(std::string_view pointer) {
  Result<JsonPointer> parsed = JsonPointer::parse(pointer);
  EXPECT_TRUE(parsed.ok()) << pointer;
  const nlohmann::json* value = parsed->resolve(kArguments);
  return value == nullptr ? "<absent>" : value->dump();
}

TEST(JsonPointerTest, ResolvesKeysEscapesAndIndexes) {
  EXPECT_EQ(at("/url"), "\"https://docs.example.com/\"");
  EXPECT_EQ(at("/a~1b"), "\"slash\"");
  EXPECT_EQ(at("/m~0n"), "\"tilde\"");
  EXPECT_EQ(at("/~01"), "\"literal tilde-one\"");  // ~0 first, so "~01" is "~1", not "/"
  EXPECT_EQ(at("/"), "\"empty key\"");
  EXPECT_EQ(at("/items/1"), "\"one\"");
  EXPECT_EQ(at("/nested/path"), "\"/workspace/a\"");
}

TEST(JsonPointerTest, WhatIsNotThereIsAbsent) {
  EXPECT_EQ(at("/a/b"), "<absent>");         // the key "a/b" needs ~1
  EXPECT_EQ(at("/URL"), "<absent>");         // keys compare exactly
  EXPECT_EQ(at("/items/2"), "<absent>");
  EXPECT_EQ(at("/items/-"), "<absent>");
  EXPECT_EQ(at("/items/01"), "<absent>");
  EXPECT_EQ(at("/items/+1"), "<absent>");
  EXPECT_EQ(at("/items/ 1"), "<absent>");
  EXPECT_EQ(at("/items/99999999999999999999"), "<absent>");
  EXPECT_EQ(at("/url/0"), "<absent>");       // no stepping into a string
  EXPECT_EQ(at("/nested/path/x"), "<absent>");
}

TEST(JsonPointerTest, MalformedPointersAreRefused) {
  for (const char* pointer : {"", "url", "#/url", "/a~2", "/a~", "/~x"}) {
    EXPECT_FALSE(JsonPointer::parse(pointer).ok()) << pointer;
  }
}

}  // namespace
}  // namespace agentguard::gate::policy
