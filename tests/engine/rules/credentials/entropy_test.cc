#include "engine/rules/credentials/entropy.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace agentguard::engine::credentials {
namespace {

template <typename Case>
std::string caseName(const ::testing::TestParamInfo<Case>& param) {
  return param.param.name;
}

// Random-looking but made up for these tests.
constexpr std::string_view kRandom20 = "Xk9mP2vL8qR4tW7yZ1nB";
constexpr std::string_view kRandom32 = "q7Rz2LmX9vKp4WtY8bNc3HsJ6dFg1QaE";
constexpr std::string_view kRandomBase64 = "Zm9vYmFyQk5xMzJ4K2Rk/T1hVk8wcWpQ+e7GhLsA9nRw";

TEST(ShannonEntropyTest, KnownValues) {
  EXPECT_DOUBLE_EQ(shannonEntropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannonEntropy("aaaaaaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannonEntropy("abababab"), 1.0);
  EXPECT_DOUBLE_EQ(shannonEntropy("abcd"), 2.0);
  EXPECT_DOUBLE_EQ(shannonEntropy("0123456789abcdef"), 4.0);
  EXPECT_NEAR(shannonEntropy("aab"), 0.9183, 1e-4);
  EXPECT_NEAR(shannonEntropy(kRandom20), std::log2(20.0), 1e-9);  // 20 distinct characters
}

struct ShareCase {
  std::string name;
  std::string text;
  double low;
  double high;
};

void PrintTo(const ShareCase& c, std::ostream* os) { *os << c.name; }

class WordShareTest : public ::testing::TestWithParam<ShareCase> {};

TEST_P(WordShareTest, InRange) {
  const auto& c = GetParam();
  const double share = wordShare(c.text);
  EXPECT_GE(share, c.low) << c.text;
  EXPECT_LE(share, c.high) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, WordShareTest,
    ::testing::Values(ShareCase{"empty", "", 0, 0}, ShareCase{"one_word", "instruct", 1, 1},
                      ShareCase{"camel_case", "ThisIsAVeryLongCamelCaseIdentifierName", 0.8, 1},
                      ShareCase{"acronym_then_word", "HTTPServer", 0.55, 0.65},
                      ShareCase{"model_name", "Meta-Llama-3-8B-Instruct", 0.65, 0.75},
                      ShareCase{"no_vowels", "GPTQ", 0, 0}, ShareCase{"consonant_cluster", "xkcdqrst", 0, 0},
                      ShareCase{"random", std::string(kRandom20), 0, 0.2},
                      ShareCase{"random_long", std::string(kRandom32), 0, 0.3}),
    caseName<ShareCase>);

struct CandidateCase {
  std::string name;
  std::string candidate;
  Exclusion expected;
};

void PrintTo(const CandidateCase& c, std::ostream* os) { *os << c.name; }

class ClassifyCandidateTest : public ::testing::TestWithParam<CandidateCase> {};

TEST_P(ClassifyCandidateTest, Classifies) {
  EntropyOptions options;
  options.ignoreValues.insert("IgnoredButRandomLooking9x7Q2");
  const auto& c = GetParam();
  EXPECT_EQ(exclusionName(classifyCandidate(c.candidate, options)), exclusionName(c.expected)) << c.candidate;
  // The reordered checks the text scan uses decide the same.
  EXPECT_EQ(isReportedCandidate(c.candidate, options), c.expected == Exclusion::kNone) << c.candidate;
}

INSTANTIATE_TEST_SUITE_P(
    Candidates, ClassifyCandidateTest,
    ::testing::Values(
        CandidateCase{"random_alnum", std::string(kRandom20), Exclusion::kNone},
        CandidateCase{"random_alnum_32", std::string(kRandom32), Exclusion::kNone},
        CandidateCase{"random_base64", std::string(kRandomBase64), Exclusion::kNone},
        CandidateCase{"random_lower_and_digits", "k3x9m2p7q8r4t1w6z5y0v2b8", Exclusion::kNone},
        CandidateCase{"path_with_random_segment", "/run/secrets/" + std::string(kRandom32), Exclusion::kNone},
        CandidateCase{"too_short", "Xk9mP2vL8qR4tW7", Exclusion::kTooShort},
        CandidateCase{"ignored", "IgnoredButRandomLooking9x7Q2", Exclusion::kIgnored},
        CandidateCase{"git_sha", "4ae479d6d143f5a45b4dffa6ed618eb7b58ede34", Exclusion::kHex},
        CandidateCase{"sha256_checksum", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                      Exclusion::kHex},
        CandidateCase{"sha512_checksum", std::string(128, 'a').replace(0, 16, "0123456789ABCDEF"), Exclusion::kHex},
        CandidateCase{"uuid", "123e4567-e89b-12d3-a456-426614174000", Exclusion::kUuid},
        CandidateCase{"uuid_upper", "123E4567-E89B-12D3-A456-426614174000", Exclusion::kUuid},
        CandidateCase{"semver", "v1.22.3-rc.1+build.20240115", Exclusion::kVersion},
        CandidateCase{"semver_plain", "10.200.3000-alpha.7.x86", Exclusion::kVersion},
        CandidateCase{"pod_name", "agent-worker-7d9f8b6c5-x2k4p", Exclusion::kKubernetesName},
        CandidateCase{"service_host", "research-agent.agents.svc.cluster.local", Exclusion::kKubernetesName},
        CandidateCase{"model_id", "claude-3-5-sonnet-20241022", Exclusion::kKubernetesName},
        CandidateCase{"ssh_public_key", "AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEexampleEXAMPLEexample0123456789",
                      Exclusion::kKeyMaterial},
        CandidateCase{"base64_certificate",
                      "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkVYQU1QTEUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo",
                      Exclusion::kKeyMaterial},
        // Known formats are reported too: this rule does not leave them to credentials.known-token.
        CandidateCase{"known_token", "ghp_Zq8Xw3Vt6Ys1Ur4Tp7On2Ml5Kj9Hg0Fa1b2c", Exclusion::kNone},
        CandidateCase{"reference", "$(OPENAI_API_KEY_FROM_SECRET)", Exclusion::kReference},
        CandidateCase{"single_class", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Exclusion::kSingleClass},
        CandidateCase{"lower_case_path", "/var/run/secrets/kubernetes.io/serviceaccount/token", Exclusion::kSingleClass},
        CandidateCase{"absolute_path", "/mnt/models/Meta-Llama-3.1-8B-Instruct/config.json", Exclusion::kNamePath},
        CandidateCase{"relative_model_path", "meta-llama/Meta-Llama-3-8B-Instruct", Exclusion::kNamePath},
        CandidateCase{"hf_repo", "TheBloke/Llama-2-13B-chat-GPTQ", Exclusion::kNamePath},
        CandidateCase{"mixtral", "mistralai/Mixtral-8x7B-Instruct-v0.1", Exclusion::kNamePath},
        CandidateCase{"azure_vm_size", "Standard_NC24ads_A100_v4", Exclusion::kNamePath},
        CandidateCase{"java_class", "org.springframework.boot.autoconfigure.SpringBootApplication",
                      Exclusion::kNamePath},
        CandidateCase{"gcp_resource", "projects/my-proj-123/locations/us-central1/models/gemini-1.5-pro-002",
                      Exclusion::kNamePath},
        CandidateCase{"timestamp", "2024-01-15T10:30:00.000Z", Exclusion::kLowEntropy},
        CandidateCase{"camel_case", "ThisIsAVeryLongCamelCaseIdentifierName1", Exclusion::kWords}),
    caseName<CandidateCase>);

// The sum over all 256 byte counts, in byte order: what shannonEntropy must equal to the last bit, so that
// no value moves across minEntropy or changes its printed figure.
double entropyOverAllBytes(std::string_view text) {
  if (text.empty()) return 0;
  std::array<uint32_t, 256> counts{};
  for (const char c : text) ++counts[static_cast<unsigned char>(c)];
  const double n = static_cast<double>(text.size());
  double sum = 0;
  for (const uint32_t count : counts) {
    if (count > 0) sum += count * std::log2(static_cast<double>(count));
  }
  return std::log2(n) - sum / n;
}

TEST(ShannonEntropyTest, EqualsTheSumOverAllBytesExactly) {
  std::string everyByte;
  for (int c = 0; c < 256; ++c) everyByte += std::string(static_cast<size_t>(c % 7 + 1), static_cast<char>(c));
  const std::vector<std::string> texts = {std::string(kRandom32), std::string(kRandomBase64), everyByte,
                                          "\xc3\xa9t\xc3\xa9 \xe2\x82\xac 100", std::string(1000, 'z') + "A",
                                          "aab", "Meta-Llama-3-8B-Instruct"};
  for (const auto& text : texts) EXPECT_EQ(shannonEntropy(text), entropyOverAllBytes(text)) << text;
}

// The scan of whole texts asks isReportedCandidate; over many generated candidates (random mixes of the
// shapes each check looks for) it must decide as classifyCandidate does.
TEST(IsReportedCandidateTest, AgreesWithClassifyCandidateOnGeneratedCandidates) {
  const std::vector<std::string> parts = {"ghp_", "AKIA", "eyJ", "LS0tLS1CRUdJTi", "AAAAB3NzaC1yc2E", "$(", "${",
                                          "v1.", "-", ".", "/", "_", "Meta", "Llama", "Instruct", "0123",
                                          "abcdef", "ABCDEF", "xQ9", "Zk7", "=", "+", "\xc3\xa9"};
  EntropyOptions options;
  options.minLength = 12;
  options.ignoreValues.insert("ghp_ghp_ghp_xQ9Zk7");
  uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  size_t reported = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string candidate;
    const size_t count = next() % 12;
    for (size_t k = 0; k < count; ++k) candidate += parts[next() % parts.size()];
    const bool expected = classifyCandidate(candidate, options) == Exclusion::kNone;
    ASSERT_EQ(isReportedCandidate(candidate, options), expected) << candidate;
    reported += expected ? 1 : 0;
  }
  EXPECT_GT(reported, 100u);  // the generator reaches both outcomes
}

// The quick test findHighEntropyStrings applies to texts and words before cutting them must never turn
// away a candidate classifyCandidate reports.
TEST(MayHoldReportedCandidateTest, HoldsForEveryReportedGeneratedCandidate) {
  const std::vector<std::string> parts = {"ghp_", "Meta", "Llama", "0123", "abcdef", "ABCDEF", "xQ9", "Zk7", "=",
                                          "+", "/", "-", "Vt6", "Ys1", "Ur4", "Tp7", "\xc3\xa9"};
  EntropyOptions options;
  options.minLength = 12;
  uint32_t state = 54321;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  size_t reported = 0;
  size_t turnedAway = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string candidate;
    const size_t count = next() % 10;
    for (size_t k = 0; k < count; ++k) candidate += parts[next() % parts.size()];
    options.minEntropy = 3.0 + static_cast<double>(next() % 5) * 0.25;
    const bool mayHold = mayHoldReportedCandidate(candidate, options);
    if (classifyCandidate(candidate, options) == Exclusion::kNone) {
      ASSERT_TRUE(mayHold) << candidate;
      ++reported;
    }
    turnedAway += mayHold ? 0 : 1;
  }
  EXPECT_GT(reported, 100u);
  EXPECT_GT(turnedAway, 1000u);  // and it does turn texts away
}

// 16 different characters, each twice: exactly 4 bits per character, the default minEntropy. One
// character fewer cannot reach it.
TEST(MayHoldReportedCandidateTest, ExactlyAtTheEntropyBound) {
  const std::string sixteen = "Zq8Xw3Vt6Ys1Ur4T";
  const std::string fifteen = sixteen.substr(0, 15);
  EntropyOptions options;
  EXPECT_EQ(shannonEntropy(sixteen + sixteen), 4.0);
  EXPECT_TRUE(mayHoldReportedCandidate(sixteen + sixteen, options));
  EXPECT_EQ(classifyCandidate(sixteen + sixteen, options), Exclusion::kNone);
  std::vector<EntropyHit> hits;
  findHighEntropyStrings("seed=" + sixteen + sixteen, options, hits);
  EXPECT_EQ(hits.size(), 1u);
  EXPECT_FALSE(mayHoldReportedCandidate(fifteen + fifteen, options));
  EXPECT_EQ(classifyCandidate(fifteen + fifteen, options), Exclusion::kLowEntropy);
  options.minEntropy = std::log2(15.0);
  EXPECT_TRUE(mayHoldReportedCandidate(fifteen + fifteen, options));
  EXPECT_FALSE(mayHoldReportedCandidate(std::string(40, 'n'), options));          // one class
  EXPECT_FALSE(mayHoldReportedCandidate("value-001-" + std::string(40, 'x'), options));  // 9 characters
}

// Counting different characters must not overflow when every byte value occurs.
TEST(MayHoldReportedCandidateTest, EveryByteValue) {
  std::string everyByte;
  for (int c = 0; c < 256; ++c) everyByte += static_cast<char>(c);
  EntropyOptions options;
  options.minEntropy = 8.0;
  EXPECT_TRUE(mayHoldReportedCandidate(everyByte, options));
  EXPECT_FALSE(mayHoldReportedCandidate(everyByte.substr(1), options));
}

// Against the definition: at least 2^minEntropy different bytes and two of lower case, upper case and
// digits; over ASCII texts and texts with bytes above 127, whose bits are kept apart from ASCII's.
TEST(MayHoldReportedCandidateTest, AgreesWithItsDefinition) {
  uint32_t state = 777;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  EntropyOptions options;
  size_t held = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool ascii = i % 2 == 0;
    const size_t alphabet = 1 + next() % (ascii ? 128 : 256);
    std::string text;
    for (size_t k = 0, length = next() % 64; k < length; ++k) text += static_cast<char>(next() % alphabet);
    options.minEntropy = 2.0 + static_cast<double>(next() % 9) * 0.5;
    std::set<unsigned char> distinct(text.begin(), text.end());
    const auto any = [&](unsigned char from, unsigned char to) {
      return distinct.lower_bound(from) != distinct.upper_bound(to);
    };
    const int classes = int(any('a', 'z')) + int(any('A', 'Z')) + int(any('0', '9'));
    const bool expected = std::log2(static_cast<double>(distinct.size())) + 1e-9 >= options.minEntropy && classes >= 2;
    ASSERT_EQ(mayHoldReportedCandidate(text, options), expected) << "text #" << i << " minEntropy " << options.minEntropy;
    held += expected ? 1 : 0;
  }
  EXPECT_GT(held, 1000u);
}

std::vector<std::string> hitsIn(std::string_view text, EntropyOptions options = {}) {
  std::vector<EntropyHit> hits;
  findHighEntropyStrings(text, options, hits);
  std::vector<std::string> found;
  for (const auto& hit : hits) found.emplace_back(text.substr(hit.offset, hit.length));
  return found;
}

TEST(FindHighEntropyStringsTest, CutsWordsAndAssignments) {
  const std::string text = "curl -H \"X-Api-Key: " + std::string(kRandom32) + "\" --data token=" +
                           std::string(kRandom20) + " https://api.example.com/v1";
  EXPECT_EQ(hitsIn(text), (std::vector<std::string>{std::string(kRandom32), std::string(kRandom20)}));
}

TEST(FindHighEntropyStringsTest, WordsOfExactlyMinLengthAreExamined) {
  // Words shorter than minLength are passed over without being cut; one of exactly minLength is not.
  EntropyOptions options;
  options.minLength = kRandom20.size();
  EXPECT_EQ(hitsIn("x " + std::string(kRandom20) + " y", options), std::vector<std::string>{std::string(kRandom20)});
  EXPECT_TRUE(hitsIn("x " + std::string(kRandom20.substr(1)) + " y", options).empty());
  options.minLength = kRandom20.size() + 1;
  EXPECT_TRUE(hitsIn("x " + std::string(kRandom20) + " y", options).empty());
}

TEST(FindHighEntropyStringsTest, KeepsBase64Padding) {
  const std::string token = std::string(kRandomBase64) + "==";
  EXPECT_EQ(hitsIn("secret: " + token), (std::vector<std::string>{std::string(kRandomBase64)}));
}

TEST(FindHighEntropyStringsTest, SkipsDigestsOfImageReferences) {
  EXPECT_TRUE(hitsIn("registry.example.com/agents/research-agent:1.4.2@sha256:"
                     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                  .empty());
  EXPECT_TRUE(hitsIn("sha512:" + std::string(128, 'e')).empty());
}

TEST(FindHighEntropyStringsTest, SkipsUrlsWithoutCredentials) {
  // A URL's host and path name things; only its user info and parameters are examined.
  EXPECT_TRUE(hitsIn("https://storage.example.com/models/Xk9mP2vL8qR4tW7yZ1nBq7Rz2LmX9vKp/weights.bin").empty());
  EXPECT_EQ(hitsIn("https://" + std::string(kRandom20) + "@git.example.com/org/repo.git"),
            (std::vector<std::string>{std::string(kRandom20)}));
  // A query parameter's value is a word of its own.
  EXPECT_EQ(hitsIn("https://example.com/hook?sig=" + std::string(kRandom32)),
            (std::vector<std::string>{std::string(kRandom32)}));
}

TEST(FindHighEntropyStringsTest, ExaminesUrlPasswordsAndPrivateKeyBlocks) {
  // Not left to credentials.known-token: with it disabled or exempted, this rule still reports them.
  EXPECT_EQ(hitsIn("postgres://agent:" + std::string(kRandom20) + "@db:5432/app"),
            (std::vector<std::string>{std::string(kRandom20)}));
  EXPECT_EQ(hitsIn("-----BEGIN PRIVATE KEY-----\n" + std::string(kRandom32) + "\n-----END PRIVATE KEY-----\n"),
            (std::vector<std::string>{std::string(kRandom32)}));
}

TEST(FindHighEntropyStringsTest, SkipsPemBlocksAndSshKeys) {
  const std::string certificate = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n"
                                  "MQswCQYDVQQGEwJJRTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRy\n"
                                  "-----END CERTIFICATE-----\n";
  EXPECT_TRUE(hitsIn(certificate + certificate).empty());
  EXPECT_TRUE(hitsIn("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEexampleEXAMPLEexample0123456789 ops@example").empty());
  // Only the header is skipped when the END line is missing, so a block cannot hide what follows.
  EXPECT_EQ(hitsIn("-----BEGIN CERTIFICATE----- " + std::string(kRandom32)),
            (std::vector<std::string>{std::string(kRandom32)}));
}

TEST(FindHighEntropyStringsTest, JsonEscapesSeparateWords) {
  const std::string json = "{\\\"key\\\":\\\"" + std::string(kRandom20) + "\\\"}\\n" + std::string(kRandom32);
  EXPECT_EQ(hitsIn(json), (std::vector<std::string>{std::string(kRandom20), std::string(kRandom32)}));
}

TEST(FindHighEntropyStringsTest, ParametersChangeTheOutcome) {
  EntropyOptions longer;
  longer.minLength = 24;
  EXPECT_TRUE(hitsIn(kRandom20, longer).empty());
  EntropyOptions stricter;
  stricter.minEntropy = 4.5;
  EXPECT_TRUE(hitsIn(kRandom20, stricter).empty());  // log2(20) = 4.32 bits per character
  EXPECT_EQ(hitsIn(kRandom32, stricter).size(), 1u);
  EntropyOptions ignoring;
  ignoring.ignoreValues.insert(std::string(kRandom20));
  EXPECT_TRUE(hitsIn(kRandom20, ignoring).empty());
  EXPECT_TRUE(hitsIn("--key=" + std::string(kRandom20), ignoring).empty());
}

TEST(FindHighEntropyStringsTest, AdversarialInputsAreLinear) {
  for (const std::string unit : {"-----BEGIN A----- ", "a/", "Xk9mP2vL8q-", "a=", "\\\\u", "x:"}) {
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    const auto start = std::chrono::steady_clock::now();
    std::vector<EntropyHit> hits;
    findHighEntropyStrings(text, EntropyOptions{}, hits);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << "1 MiB of \"" << unit << "\"";
  }
}

}  // namespace
}  // namespace agentguard::engine::credentials
