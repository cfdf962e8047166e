// Plain-scalar resolution must match what Kubernetes (go-yaml v2, YAML 1.1) makes of the same text:
// `privileged: yes` is a boolean there, so it must be one here too.
#include "common/manifest/yaml_scalar.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

struct ScalarCase {
  std::string name;
  std::string text;
  Json expected;
};

void PrintTo(const ScalarCase& c, std::ostream* os) { *os << c.name << " \"" << c.text << "\""; }

class ResolvePlainScalarTest : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(ResolvePlainScalarTest, ResolvesLikeGoYamlV2) {
  const ScalarCase& c = GetParam();
  const Json actual = resolvePlainScalar(c.text);
  EXPECT_EQ(actual.type(), c.expected.type()) << c.text << " -> " << actual.dump();
  EXPECT_EQ(actual, c.expected) << c.text << " -> " << actual.dump();
}

std::vector<ScalarCase> booleanCases() {
  std::vector<ScalarCase> cases;
  for (const std::string text : {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"}) {
    cases.push_back({"True_" + text, text, true});
  }
  for (const std::string text : {"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"}) {
    cases.push_back({"False_" + text, text, false});
  }
  // Only the three casings are booleans; anything else is text.
  for (const std::string text : {"yEs", "tRUE", "oN", "nO", "oFF", "yess", "truee", "o"}) {
    cases.push_back({"Text_" + text, text, text});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Booleans, ResolvePlainScalarTest, ::testing::ValuesIn(booleanCases()),
                         [](const ::testing::TestParamInfo<ScalarCase>& param) { return param.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Nulls, ResolvePlainScalarTest,
    ::testing::Values(ScalarCase{"Tilde", "~", nullptr}, ScalarCase{"Lower", "null", nullptr},
                      ScalarCase{"Capitalised", "Null", nullptr}, ScalarCase{"Upper", "NULL", nullptr},
                      ScalarCase{"Empty", "", nullptr}, ScalarCase{"MixedCaseIsText", "nULL", "nULL"},
                      ScalarCase{"NoneIsText", "None", "None"}),
    [](const ::testing::TestParamInfo<ScalarCase>& param) { return param.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Integers, ResolvePlainScalarTest,
    ::testing::Values(
        ScalarCase{"Decimal", "42", 42}, ScalarCase{"Zero", "0", 0}, ScalarCase{"NegativeZero", "-0", 0},
        ScalarCase{"ExplicitPlus", "+12", 12}, ScalarCase{"Negative", "-17", -17},
        ScalarCase{"LeadingZeroIsOctal", "0777", 511}, ScalarCase{"NegativeOctal", "-010", -8},
        ScalarCase{"Hex", "0x1F", 31}, ScalarCase{"HexUpperPrefix", "0X1f", 31}, ScalarCase{"NegativeHex", "-0x10", -16},
        ScalarCase{"Octal0o", "0o17", 15}, ScalarCase{"Binary", "0b101", 5}, ScalarCase{"BinaryUpperPrefix", "0B11", 3},
        ScalarCase{"Underscores", "1_000", 1000}, ScalarCase{"UnderscoresInHex", "0x_ff_ff", 65535},
        ScalarCase{"Int64Max", "9223372036854775807", std::numeric_limits<int64_t>::max()},
        ScalarCase{"Int64Min", "-9223372036854775808", std::numeric_limits<int64_t>::min()},
        ScalarCase{"AboveInt64IsUnsigned", "9223372036854775808", uint64_t{9223372036854775808ULL}},
        ScalarCase{"Uint64Max", "18446744073709551615", std::numeric_limits<uint64_t>::max()},
        ScalarCase{"HexUint64Max", "0xFFFFFFFFFFFFFFFF", std::numeric_limits<uint64_t>::max()}),
    [](const ::testing::TestParamInfo<ScalarCase>& param) { return param.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Floats, ResolvePlainScalarTest,
    ::testing::Values(
        ScalarCase{"InvalidOctalIsDecimalFloat", "08", 8.0}, ScalarCase{"InvalidOctal09", "0099", 99.0},
        ScalarCase{"Exponent", "1e3", 1000.0}, ScalarCase{"SignedExponent", "+1.5e-3", 0.0015},
        ScalarCase{"Fraction", "1.5", 1.5}, ScalarCase{"LeadingDot", ".5", 0.5}, ScalarCase{"TrailingDot", "1.", 1.0},
        ScalarCase{"NegativeLeadingDot", "-.25", -0.25}, ScalarCase{"UnderscoresInFloat", "1_000.5", 1000.5},
        ScalarCase{"AboveUint64IsFloat", "18446744073709551616", 18446744073709551616.0},
        ScalarCase{"BelowInt64MinIsFloat", "-9223372036854775809", -9223372036854775809.0}),
    [](const ::testing::TestParamInfo<ScalarCase>& param) { return param.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Strings, ResolvePlainScalarTest,
    ::testing::Values(
        // Infinity and NaN have no JSON form; they stay text.
        ScalarCase{"Infinity", ".inf", ".inf"}, ScalarCase{"NegativeInfinity", "-.Inf", "-.Inf"},
        ScalarCase{"NaN", ".nan", ".nan"}, ScalarCase{"OverflowingFloat", "1e400", "1e400"},
        ScalarCase{"HexPrefixOnly", "0x", "0x"}, ScalarCase{"OctalPrefixOnly", "0o", "0o"},
        ScalarCase{"BinaryPrefixOnly", "0b", "0b"}, ScalarCase{"BadHexDigit", "0x1G", "0x1G"},
        ScalarCase{"BadBinaryDigit", "0b102", "0b102"}, ScalarCase{"SignOnly", "-", "-"}, ScalarCase{"Dot", ".", "."},
        ScalarCase{"DigitsThenLetters", "12abc", "12abc"}, ScalarCase{"Version", "1.2.3", "1.2.3"},
        ScalarCase{"Time", "12:30", "12:30"}, ScalarCase{"Word", "hello", "hello"},
        ScalarCase{"UnderscoreOnly", "_", "_"}, ScalarCase{"ExponentWithoutDigits", "1e", "1e"},
        ScalarCase{"Image", "nginx:1.25", "nginx:1.25"}),
    [](const ::testing::TestParamInfo<ScalarCase>& param) { return param.param.name; });

struct KeyCase {
  std::string name;
  std::string text;
  std::optional<std::string> key;  // nullopt: Kubernetes refuses the key or prints it in a form not mirrored
};

class JsonKeyOfTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(JsonKeyOfTest, GivesTheJsonKeyKubernetesUses) {
  EXPECT_EQ(jsonKeyOf(resolvePlainScalar(GetParam().text)), GetParam().key);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, JsonKeyOfTest,
    ::testing::Values(KeyCase{"Text", "name", "name"}, KeyCase{"BooleanWord", "yes", "true"},
                      KeyCase{"False", "off", "false"}, KeyCase{"Hex", "0x10", "16"}, KeyCase{"Octal", "010", "8"},
                      KeyCase{"IntegralFloat", "1.0", "1"}, KeyCase{"Null", "~", std::nullopt},
                      KeyCase{"IntegralExponent", "2e3", "2000"}, KeyCase{"NegativeIntegralFloat", "-7.0", "-7"},
                      KeyCase{"BelowAMillion", "999999.0", "999999"}, KeyCase{"AMillionTakesAnExponent", "1e6", std::nullopt},
                      KeyCase{"NegativeZeroFloat", "-0.0", std::nullopt}, KeyCase{"IntegerAboveAMillion", "10000000", "10000000"},
                      KeyCase{"Fraction", "1.5", std::nullopt}, KeyCase{"LargeExponent", "1e30", std::nullopt}),
    [](const ::testing::TestParamInfo<KeyCase>& param) { return param.param.name; });

struct NumberCase {
  std::string name;
  Json in;
  Json out;
};

class AsKubernetesNumberTest : public ::testing::TestWithParam<NumberCase> {};

TEST_P(AsKubernetesNumberTest, GivesWhatTheApiServerDecodes) {
  const Json actual = asKubernetesNumber(GetParam().in);
  EXPECT_EQ(actual.type(), GetParam().out.type()) << actual.dump();
  EXPECT_EQ(actual, GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Numbers, AsKubernetesNumberTest,
    ::testing::Values(NumberCase{"ZeroFloatIsInteger", 0.0, 0}, NumberCase{"NegativeZero", -0.0, 0},
                      NumberCase{"Thousand", 1000.0, 1000}, NumberCase{"Negative", -8.0, -8},
                      NumberCase{"FractionStays", 0.5, 0.5},
                      NumberCase{"Int64MinIsInteger", -9223372036854775808.0, std::numeric_limits<int64_t>::min()},
                      NumberCase{"TwoToThe63Stays", 9223372036854775808.0, 9223372036854775808.0},
                      NumberCase{"IntegerUnchanged", 7, 7}, NumberCase{"TextUnchanged", "0.0", "0.0"}),
    [](const ::testing::TestParamInfo<NumberCase>& param) { return param.param.name; });

}  // namespace
}  // namespace agentguard::manifest
