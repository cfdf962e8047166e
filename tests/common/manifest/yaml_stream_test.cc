// YAML streams as Kubernetes reads them, and the bounds that keep hostile input cheap.
#include "common/manifest/yaml_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

// Parses text that must be valid and returns its documents' values.
std::vector<Json> values(std::string_view text, const ParseLimits& limits = {}) {
  auto parsed = parseYamlStream(text, limits);
  EXPECT_TRUE(parsed.ok()) << text << "\n-> " << parsed.error().message;
  std::vector<Json> out;
  if (parsed.ok()) {
    for (const auto& document : *parsed) out.push_back(document.value);
  }
  return out;
}

Json single(std::string_view text) {
  const auto docs = values(text);
  EXPECT_EQ(docs.size(), 1u) << text;
  return docs.empty() ? Json() : docs.front();
}

// Parses text that must be rejected and returns the message.
std::string rejection(std::string_view text, const ParseLimits& limits = {}) {
  auto parsed = parseYamlStream(text, limits);
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  return parsed.error().message;
}

// ---- documents ---------------------------------------------------------------------------------

TEST(YamlStreamTest, SplitsDocumentsAndRecordsWhereEachStarts) {
  auto parsed = parseYamlStream("a: 1\n---\nb: 2\n---\n# comment\nc: 3\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].value, Json({{"a", 1}}));
  EXPECT_EQ((*parsed)[0].line, 1);
  EXPECT_EQ((*parsed)[1].value, Json({{"b", 2}}));
  EXPECT_EQ((*parsed)[1].line, 3);
  EXPECT_EQ((*parsed)[2].value, Json({{"c", 3}}));
  EXPECT_EQ((*parsed)[2].line, 6);
  for (const auto& document : *parsed) EXPECT_NE(document.sourceMap, nullptr);
}

TEST(YamlStreamTest, SkipsEmptyDocuments) {
  struct Case {
    std::string name;
    std::string text;
    size_t documents;
  };
  const std::vector<Case> cases = {
      {"EmptyInput", "", 0},
      {"OnlyComments", "# nothing here\n# at all\n", 0},
      {"OnlySeparators", "---\n---\n...\n", 0},
      {"ExplicitNull", "--- ~\n", 0},
      {"EmptyBetweenFull", "---\na: 1\n---\n---\nb: 2\n---\n", 2},
  };
  for (const auto& c : cases) EXPECT_EQ(values(c.text).size(), c.documents) << c.name;
}

TEST(YamlStreamTest, ValuesAtTheEndOfTheInputAreUnchanged) {
  EXPECT_EQ(single("a: |\n  text\n"), Json({{"a", "text\n"}}));
  EXPECT_EQ(single("a: |+\n  text\n\n"), Json({{"a", "text\n\n"}}));
  EXPECT_EQ(single("a: >-\n  folded\n  text\n"), Json({{"a", "folded text"}}));
  EXPECT_EQ(single("a: \"multi\n  line\"\n"), Json({{"a", "multi line"}}));
  EXPECT_EQ(single("a: plain\n  continued\n"), Json({{"a", "plain continued"}}));
  EXPECT_EQ(single("a: [1,\n  2]\r\n"), Json({{"a", {1, 2}}}));
  EXPECT_EQ(single("a: 1 # comment\n"), Json({{"a", 1}}));
  EXPECT_EQ(single("a: 1\n...\n"), Json({{"a", 1}}));
}

TEST(YamlStreamTest, ResolvesScalarsTheKubernetesWay) {
  EXPECT_EQ(single("privileged: yes\n"), Json({{"privileged", true}}));
  EXPECT_EQ(single("privileged: 'yes'\n"), Json({{"privileged", "yes"}}));
  EXPECT_EQ(single("privileged: \"true\"\n"), Json({{"privileged", "true"}}));
  EXPECT_EQ(single("hostNetwork: on\nhostPID: Off\n"), Json({{"hostNetwork", true}, {"hostPID", false}}));
  EXPECT_EQ(single("mode: 0777\n"), Json({{"mode", 511}}));
  EXPECT_EQ(single("mode: !!str 0777\n"), Json({{"mode", "0777"}}));
  EXPECT_EQ(single("value: ~\nother:\n"), Json({{"value", nullptr}, {"other", nullptr}}));
  EXPECT_EQ(single("text: |\n  line one\n  line two\n"), Json({{"text", "line one\nline two\n"}}));
}

TEST(YamlStreamTest, KeysAreTheJsonKeysKubernetesDerives) {
  // YAML 1.1 makes the bare key `y` a boolean, as it is in Kubernetes.
  EXPECT_EQ(single("x: 1\ny: 2\n"), Json({{"x", 1}, {"true", 2}}));
  EXPECT_EQ(single("yes: a\n0x10: b\n'on': d\n1.0: e\n"), Json({{"true", "a"}, {"16", "b"}, {"on", "d"}, {"1", "e"}}));
}

TEST(YamlStreamTest, RefusesKeysKubernetesRefusesOrPrintsDifferently) {
  // kubectl: "unsupported map key of type: %!s(<nil>)"; a float key is printed in float32 form there.
  for (const std::string text : {"~: c\n", "null: c\n", "? \n: c\n", "!!null '': c\n", "1.5: c\n", "1e10: c\n",
                                 "!!float 2.5: c\n"}) {
    EXPECT_THAT(rejection(text), HasSubstr("mapping keys must be strings, integers or booleans")) << text;
  }
}

// ---- tags ----------------------------------------------------------------------------------------

struct TaggedCase {
  std::string name;
  std::string text;
  Json expected;
};

void PrintTo(const TaggedCase& c, std::ostream* os) { *os << c.name; }

class TaggedDocumentTest : public ::testing::TestWithParam<TaggedCase> {};

TEST_P(TaggedDocumentTest, ReadsAsKubectlDoes) { EXPECT_EQ(single(GetParam().text), GetParam().expected); }

// Each expected value is what kubectl 1.32 printed for the same text.
INSTANTIATE_TEST_SUITE_P(
    YamlStream, TaggedDocumentTest,
    ::testing::Values(
        TaggedCase{"QuotedBoolTag", "privileged: !!bool \"true\"\n", Json({{"privileged", true}})},
        TaggedCase{"QuotedYamlOneOneBoolTag", "hostPID: !!bool 'on'\n", Json({{"hostPID", true}})},
        TaggedCase{"VerbatimBoolTag", "hostNetwork: !<tag:yaml.org,2002:bool> \"yes\"\n", Json({{"hostNetwork", true}})},
        TaggedCase{"TagHandleDirective", "%TAG !k! tag:yaml.org,2002:\n---\nprivileged: !k!bool \"true\"\n",
                   Json({{"privileged", true}})},
        TaggedCase{"BinaryValue", "image: !!binary ZXZpbC5leGFtcGxlL21pbmVyOjE=\n", Json({{"image", "evil.example/miner:1"}})},
        TaggedCase{"BinaryBlockValue", "image: !!binary |\n  ZXZpbC5leGFtcGxl\n  L21pbmVyOjE=\n", Json({{"image", "evil.example/miner:1"}})},
        TaggedCase{"BinaryKey", "!!binary aG9zdE5ldHdvcms=: true\n", Json({{"hostNetwork", true}})},
        TaggedCase{"ExplicitBinaryKey", "? !!binary cHJpdmlsZWdlZA==\n: yes\n", Json({{"privileged", true}})},
        TaggedCase{"StrKeyKeepsText", "!!str yes: a\n", Json({{"yes", "a"}})},
        TaggedCase{"IntKeyFromQuotedText", "!!int \"7\": a\n", Json({{"7", "a"}})},
        TaggedCase{"BoolKeyFromQuotedText", "!!bool \"on\": a\n", Json({{"true", "a"}})},
        TaggedCase{"IntTagOnQuotedRunAsUser", "runAsUser: !!int \"0\"\n", Json({{"runAsUser", 0}})},
        TaggedCase{"FloatTagBecomesInteger", "runAsUser: !!float 0\n", Json({{"runAsUser", 0}})},
        TaggedCase{"NullTagOnEmpty", "a: !!null\n", Json({{"a", nullptr}})},
        TaggedCase{"StrTagOnEmpty", "a: !!str\n", Json({{"a", ""}})},
        TaggedCase{"NonSpecificTag", "a: ! 12\n", Json({{"a", "12"}})},
        TaggedCase{"MapAndSeqTags", "a: !!map {b: !!seq [1]}\n", Json({{"a", {{"b", {1}}}}})}),
    [](const ::testing::TestParamInfo<TaggedCase>& param) { return param.param.name; });

TEST(YamlStreamTest, PlainIntegralFloatsArriveAsIntegers) {
  // sigs.k8s.io/yaml writes 0.0 as 0, and the API server reads an integer: runAsUser 0 is root.
  const Json value = single("runAsUser: 0.0\nfsGroup: 1e3\nratio: 0.5\nhuge: 1e30\n");
  EXPECT_TRUE(value["runAsUser"].is_number_integer());
  EXPECT_EQ(value["runAsUser"], 0);
  EXPECT_TRUE(value["fsGroup"].is_number_integer());
  EXPECT_EQ(value["fsGroup"], 1000);
  EXPECT_TRUE(value["ratio"].is_number_float());
  EXPECT_TRUE(value["huge"].is_number_float());
}

TEST(YamlStreamTest, RefusesTagsItCannotMirrorNamingTheLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"a: 1\nprivileged: !!bool 1\n", "line 2, column "},
           {"a: 1\nprivileged: !!bool 1\n", "\"1\" is not a valid !!bool"},
           {"runAsUser: !!int 0.0\n", "is not a valid !!int"},
           {"image: !!binary aW1hZ2U\n", "not padded standard base64"},
           {"image: !!binary /w==\n", "not UTF-8"},
           {"image: !secret x\n", "tag !secret on a scalar is not supported"},
           {"!custom privileged: true\n", "tag !custom on a scalar"},
           {"a: !<tag:example.com,2000:x> y\n", "tag tag:example.com,2000:x"},
           {"%TAG !! tag:example.com,2000:\n---\na: !!str x\n", "tag tag:example.com,2000:str"},
           {"when: !!timestamp 2001-12-14\n", "tag !!timestamp"},
           {"a: !!set {b, c}\n", "tag !!set on a mapping"},
           {"a: !!omap [b: 1]\n", "tag !!omap on a sequence"},
           {"spec: !podspec {hostNetwork: true}\n", "tag !podspec on a mapping"},
           {"a: !!map [1]\n", "tag !!map on a sequence"}}) {
    EXPECT_THAT(rejection(c.text), HasSubstr(c.message)) << c.text;
  }
}

// ---- characters the two readers break lines at differently -------------------------------------

TEST(YamlStreamTest, RefusesLineBreaksOnlyKubernetesSees) {
  // kubectl reads each of these with hostNetwork: true, outside the comment.
  for (const std::string text : {"spec: # c\rhostNetwork: true\n", "spec:\n  a: 1 # c\xc2\x85  hostNetwork: true\n",
                                 "spec:\n  a: 1 # c\xe2\x80\xa8  hostNetwork: true\n",
                                 "spec:\n  a: 1 # c\xe2\x80\xa9  hostNetwork: true\n"}) {
    EXPECT_THAT(rejection(text), HasSubstr("malformed YAML: line ")) << text;
  }
  EXPECT_THAT(rejection("a: \"x\x01y\"\n"), HasSubstr("control character U+0001"));
  // yaml-cpp decodes these two escapes to lone Latin-1 bytes; go-yaml to UTF-8.
  EXPECT_THAT(rejection("a: \"x\\Ny\"\n"), HasSubstr("escape \\N or \\_ is not supported"));
  EXPECT_THAT(rejection("\"\\_\": x\n"), HasSubstr("escape \\N or \\_ is not supported"));
  EXPECT_EQ(single("a: \"x\\u0085\\x85\\u00a0y\"\n"), Json({{"a", "x\xc2\x85\xc2\x85\xc2\xa0y"}}));
  EXPECT_EQ(single("a: 1\r\nb: \"x\\u2028y\"\r\n"), Json({{"a", 1}, {"b", "x\xe2\x80\xa8y"}}));
}

TEST(YamlStreamTest, RefusesAColonBeforeAFlowIndicatorThatTheReadersSplitDifferently) {
  // go-yaml reads the key "999999 :" (and "a:"), yaml-cpp "999999" (and "a"). Found by the differential
  // test over the fuzz corpus.
  for (const std::string text : {"data: {2e3: b, 999999 :, c: d}\n", "{a:, b: c}\n", "[a :]\n", "{a :}\n"}) {
    EXPECT_THAT(rejection(text), HasSubstr("is read differently by Kubernetes' YAML reader")) << text;
  }
  // A blank after ':' is a value indicator to both; a ':' inside a plain scalar is text to both.
  EXPECT_EQ(single("{a: , b: c}\n"), Json({{"a", nullptr}, {"b", "c"}}));
  EXPECT_EQ(single("url: http://[::1]:80/x\nj: '{\"a\":{}}'\nk: |\n  {\"a\":[1]}\n"),
            Json({{"url", "http://[::1]:80/x"}, {"j", "{\"a\":{}}"}, {"k", "{\"a\":[1]}\n"}}));
}

// ---- expansion bounded per input ---------------------------------------------------------------

// A document whose aliases expand to about `copies` x 10 values from a few hundred bytes.
std::string expandingDocument(int copies) {
  std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\nl1: [";
  for (int i = 0; i < copies; ++i) text += (i == 0 ? "*l0" : ", *l0");
  return text + "]\n";
}

TEST(YamlStreamTest, BoundsExpansionAcrossDocuments) {
  ParseLimits limits;
  limits.maxNodes = 1000;        // each document stays under this
  limits.maxStreamNodes = 2500;  // but three of them do not
  const std::string document = expandingDocument(80);  // ~ 900 values
  EXPECT_EQ(values(document + "---\n" + document, limits).size(), 2u);
  EXPECT_THAT(rejection(document + "---\n" + document + "---\n" + document, limits),
              HasSubstr("the input's documents together expand to more than 2500 values"));
}

TEST(YamlStreamTest, BoundsExpandedTextAcrossDocuments) {
  ParseLimits limits;
  limits.maxStreamScalarBytes = 30000;
  // A 1000-byte scalar aliased ten times per document.
  std::string document = "a: &a " + std::string(1000, 'z') + "\nb: [";
  for (int i = 0; i < 10; ++i) document += (i == 0 ? "*a" : ", *a");
  document += "]\n";
  EXPECT_EQ(values(document + "---\n" + document, limits).size(), 2u);
  EXPECT_THAT(rejection(document + "---\n" + document + "---\n" + document, limits),
              HasSubstr("bytes of text (aliases expanded)"));
}

TEST(YamlStreamTest, DefaultBoundStopsManyDocumentsThatEachStayUnderTheirOwn) {
  // Each document expands to ~900k values, under the per-document million; five exceed the input's bound.
  std::string document = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 4; ++level) {
    document += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) document += (i == 0 ? "*l" : ", *l") + std::to_string(level - 1);
    document += "]\n";
  }
  document += "top: [";
  for (int i = 0; i < 7; ++i) document += (i == 0 ? "*l4" : ", *l4");
  document += "]\n";
  std::string stream;
  for (int i = 0; i < 5; ++i) stream += document + "---\n";
  ASSERT_LT(stream.size(), 4000u);
  EXPECT_THAT(rejection(stream), HasSubstr("refusing a possible alias bomb"));
}

// ---- anchors, aliases and merge keys -----------------------------------------------------------

TEST(YamlStreamTest, ExpandsAliases) {
  EXPECT_EQ(single("base: &b {p: 1, q: [a, b]}\ncopy: *b\n"),
            Json::parse(R"({"base":{"p":1,"q":["a","b"]},"copy":{"p":1,"q":["a","b"]}})"));
  EXPECT_EQ(single("a: &s hello\nb: *s\n"), Json({{"a", "hello"}, {"b", "hello"}}));
}

struct MergeCase {
  std::string name;
  std::string text;
  Json merged;  // the value of key "m"
};

class MergeKeyTest : public ::testing::TestWithParam<MergeCase> {};

TEST_P(MergeKeyTest, AppliesMergeKeys) {
  const Json document = single(GetParam().text);
  EXPECT_EQ(document["m"], GetParam().merged) << document.dump();
}

INSTANTIATE_TEST_SUITE_P(
    YamlStream, MergeKeyTest,
    ::testing::Values(
        MergeCase{"Single", "a: &a {x: 1, w: 2}\nm:\n  <<: *a\n  z: 3\n", Json({{"x", 1}, {"w", 2}, {"z", 3}})},
        MergeCase{"InlineMapping", "m:\n  <<: {x: 1}\n  z: 3\n", Json({{"x", 1}, {"z", 3}})},
        MergeCase{"LaterExplicitKeyWins", "a: &a {x: 1, w: 2}\nm:\n  <<: *a\n  x: 9\n", Json({{"x", 9}, {"w", 2}})},
        MergeCase{"EarlierListEntryWins", "a: &a {k: from-a, onlyA: 1}\nb: &b {k: from-b, onlyB: 2}\nm:\n  <<: [*a, *b]\n",
                  Json({{"k", "from-a"}, {"onlyA", 1}, {"onlyB", 2}})},
        MergeCase{"ExplicitBeatsWholeList", "a: &a {k: a}\nb: &b {k: b}\nm:\n  <<: [*a, *b]\n  k: mine\n",
                  Json({{"k", "mine"}})},
        MergeCase{"ExplicitBeforeMergeWithSameValue", "a: &a {k: same, j: 1}\nm:\n  k: same\n  <<: *a\n",
                  Json({{"k", "same"}, {"j", 1}})},
        MergeCase{"NestedMerge", "a: &a {x: 1}\nb: &b\n  <<: *a\n  w: 2\nm:\n  <<: *b\n  z: 3\n",
                  Json({{"x", 1}, {"w", 2}, {"z", 3}})},
        MergeCase{"QuotedMergeKeyIsAPlainKey", "m:\n  '<<': {x: 1}\n", Json({{"<<", {{"x", 1}}}})}),
    [](const ::testing::TestParamInfo<MergeCase>& param) { return param.param.name; });

TEST(YamlStreamTest, RejectsAnExplicitKeyThatALaterMergeChanges) {
  // go-yaml v2 lets the merge win, the YAML merge spec the explicit key: refuse the ambiguity.
  const std::string message = rejection("a: &a {privileged: true}\nm:\n  privileged: false\n  <<: *a\n");
  EXPECT_THAT(message, HasSubstr("\"privileged\""));
  EXPECT_THAT(message, HasSubstr("merge key"));
  EXPECT_THAT(message, HasSubstr("line "));
}

TEST(YamlStreamTest, RejectsMergeOfANonMapping) {
  EXPECT_THAT(rejection("s: &s text\nm:\n  <<: *s\n"), HasSubstr("must refer to a mapping"));
  EXPECT_THAT(rejection("m:\n  <<: [{x: 1}, text]\n"), HasSubstr("may contain only mappings"));
}

// ---- rejected input ----------------------------------------------------------------------------

TEST(YamlStreamTest, RejectsDuplicateKeysNamingTheLine) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"Plain", "a: 1\nb: 2\na: 3\n", "line 3, column 1"},
      {"Nested", "spec:\n  x: 1\n  x: 2\n", "line 3, column 3"},
      // Different spellings of the same JSON key are the same key.
      {"BooleanSpellings", "yes: 1\ntrue: 2\n", "line 2"},
      {"QuotedAndPlain", "\"true\": 1\ntrue: 2\n", "line 2"},
      {"OctalAndDecimal", "010: a\n8: b\n", "line 2"},
      {"InFlowMapping", "m: {a: 1, a: 2}\n", "line 1"},
  };
  for (const auto& c : cases) {
    const std::string message = rejection(c.text);
    EXPECT_THAT(message, HasSubstr("duplicate key")) << c.name;
    EXPECT_THAT(message, HasSubstr(c.where)) << c.name << ": " << message;
  }
}

TEST(YamlStreamTest, RejectsKeysThatAreNotScalars) {
  EXPECT_THAT(rejection("? [a, b]\n: 1\n"), HasSubstr("mapping keys must be strings, integers or booleans"));
  EXPECT_THAT(rejection("? {a: 1}\n: 1\n"), HasSubstr("mapping keys must be strings, integers or booleans"));
}

TEST(YamlStreamTest, MalformedYamlNamesLineAndColumn) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"UnclosedFlowSequence", "a: 1\nb: [1, 2\n", "line 3"},
      {"BadIndentation", "a:\n  b: 1\n c: 2\n", "line 3"},
      {"UnknownAlias", "a: *missing\n", "line 1"},
      {"TabIndentation", "a:\n\tb: 1\n", "line 2"},
      {"UnclosedQuoteAtEndOfInput", "a: \"text", "line 1"},
      // Once yaml-cpp accepted these, reading the rest of the document as part of the string.
      {"UnclosedDoubleQuoteBeforeFinalNewline", "image: \"app:1\nsecurityContext: {privileged: true}\n", "line 3"},
      {"UnclosedSingleQuoteBeforeFinalNewline", "a: 'text\nb: 1\n", "line 3"},
      {"UnclosedQuoteInLaterDocument", "a: 1\n---\nb: \"x\n\r\n", "line "},
  };
  for (const auto& c : cases) {
    const std::string message = rejection(c.text);
    EXPECT_THAT(message, HasSubstr("malformed YAML")) << c.name;
    EXPECT_THAT(message, HasSubstr(c.where)) << c.name << ": " << message;
    EXPECT_THAT(message, HasSubstr("column ")) << c.name << ": " << message;
  }
}

// yaml-cpp's parser reports an empty document without consuming anything when a ',' stands where a
// document should start; its YAML::LoadAll then looped forever, allocating until memory ran out.
TEST(YamlStreamTest, CommaWhereADocumentShouldStartIsAnErrorNotAHang) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {"AfterFlowSequence", "[a],", "line 1, column 4"},
      {"AfterFlowMapping", "{a: 1}, b", "line 1, column 7"},
      {"AfterQuotedScalar", "\"a\",", "line 1, column 4"},
      {"AtTheStart", ",a", "line 1, column 1"},
      {"AfterAnAnchor", "&x ,", "line 1, column 4"},
      {"AfterATag", "!t ,", "line 1, column 4"},
      {"AfterABlockScalar", "|\n  text\n,", "line 3, column 1"},
      {"AfterAComment", "[a] # note\n,", "line 2, column 1"},
      {"InALaterDocument", "a: 1\n---\n[b],\n", "line 3, column 4"},
      // Found by the fuzzer (with a control character and a stray byte, now refused before parsing).
      {"FoundByTheFuzzer", "# expe{\"a\n[1,23,-.5ct: pri-3vil],true,fe", "line 2"},
  };
  for (const auto& c : cases) {
    const std::string message = rejection(c.text);
    EXPECT_THAT(message, HasSubstr("malformed YAML: " + c.where)) << c.name << ": " << message;
  }
  EXPECT_THAT(rejection("[a],"), HasSubstr("unexpected ','"));
}

TEST(YamlStreamTest, AnAliasInsideItsOwnAnchorIsRejected) {
  EXPECT_THAT(rejection("a: &x [1, *x]\n"), HasSubstr("may not refer to a node that contains it"));
  EXPECT_THAT(rejection("&x {k: *x}\n"), HasSubstr("may not refer to a node that contains it"));
}

// The classic "billion laughs": nine levels of ten aliases would expand to 10^9 values.
std::string billionLaughs() {
  std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = "*l" + std::to_string(level - 1);
    text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i == 0 ? "" : ", ") + previous;
    text += "]\n";
  }
  return text;
}

TEST(YamlStreamTest, RejectsAliasBombQuickly) {
  const std::string text = billionLaughs();
  ASSERT_LT(text.size(), 1000u);
  ParseLimits limits;
  limits.maxNodes = 10000;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(rejection(text, limits), HasSubstr("alias bomb"));
  // With the default bound of a million values the work stays bounded too.
  EXPECT_THAT(rejection(text), HasSubstr("more than 1000000 values"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Generous: expanding 10^9 values would take minutes and gigabytes.
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST(YamlStreamTest, AliasesWithinTheNodeLimitAreExpanded) {
  ParseLimits limits;
  limits.maxNodes = 100;
  // root mapping + 2 keys' values: a (1 + 3), b (1 + 3) = 9 values.
  EXPECT_EQ(values("a: &a [1, 2, 3]\nb: *a\n", limits).size(), 1u);
  limits.maxNodes = 8;
  EXPECT_THAT(rejection("a: &a [1, 2, 3]\nb: *a\n", limits), HasSubstr("more than 8 values"));
}

std::string nestedSequences(int depth, std::string_view inner) {
  return std::string(static_cast<size_t>(depth), '[') + std::string(inner) + std::string(static_cast<size_t>(depth), ']');
}

TEST(YamlStreamTest, BoundsNestingDepth) {
  ParseLimits limits;
  limits.maxDepth = 10;
  // A scalar inside the deepest allowed collection adds no level, as in strict JSON.
  EXPECT_EQ(values(nestedSequences(10, "1"), limits).size(), 1u);
  EXPECT_EQ(values(nestedSequences(10, ""), limits).size(), 1u);
  EXPECT_THAT(rejection(nestedSequences(11, "1"), limits), HasSubstr("nesting deeper than 10 levels"));
  EXPECT_THAT(rejection(nestedSequences(11, ""), limits), HasSubstr("nesting deeper than 10 levels"));
  // Block mappings count the same way.
  std::string block;
  for (int i = 0; i < 11; ++i) block += std::string(static_cast<size_t>(2 * i), ' ') + "k" + std::to_string(i) + ":\n";
  block += std::string(22, ' ') + "leaf: 1\n";
  EXPECT_THAT(rejection(block, limits), HasSubstr("nesting deeper than 10 levels"));
}

TEST(YamlStreamTest, VeryDeepNestingIsAnErrorNotACrash) {
  EXPECT_FALSE(parseYamlStream(nestedSequences(100000, "")).ok());
  EXPECT_FALSE(parseYamlStream(std::string(100000, '{')).ok());
  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  EXPECT_FALSE(parseYamlStream(dashes + "x\n").ok());
}

TEST(YamlStreamTest, BoundsDocumentSize) {
  ParseLimits limits;
  limits.maxDocumentBytes = 64;
  const std::string small = "a: " + std::string(20, 'x') + "\n";
  const std::string large = "a: " + std::string(100, 'x') + "\n";
  EXPECT_EQ(values(small + "---\n" + small + "---\n" + small, limits).size(), 3u);
  const std::string message = rejection(small + "---\n" + large + "---\n" + small, limits);
  EXPECT_THAT(message, HasSubstr("more than the limit of 64"));
  EXPECT_THAT(message, HasSubstr("line 3"));
  EXPECT_THAT(rejection(large, limits), HasSubstr("more than the limit of 64"));
}

TEST(YamlStreamTest, BoundsInputSizeAndDocumentCount) {
  ParseLimits limits;
  limits.maxInputBytes = 16;
  EXPECT_THAT(rejection("a: 0123456789abcdef\n", limits), HasSubstr("more than the limit of 16"));
  limits = ParseLimits{};
  limits.maxDocuments = 2;
  EXPECT_THAT(rejection("a: 1\n---\nb: 2\n---\nc: 3\n", limits), HasSubstr("documents, more than the limit of 2"));
}

}  // namespace
}  // namespace agentguard::manifest
