// The decision log's readers on arbitrary bytes: the checkpoint note parser (with and without its
// signature check), the log verifier and the log-against-checkpoint comparison. Besides never crashing:
// every refusal says why, and a checkpoint the parser accepts is exactly the body it would write.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "common/decision/checkpoint.h"
#include "common/decision/decision_log_verifier.h"
#include "common/decision/ed25519_keys.h"
#include "common/decision/merkle_tree.h"

namespace {

// A fixed trust key (RFC 8032 test 1's public key), so signatures in the input can be looked up.
constexpr std::string_view kTrustPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agentguard::decision;
  static const TrustedKeys keys = std::move(TrustedKeys::fromPem(kTrustPem)).value();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto parsed = parseCheckpointNote(text);
  if (!parsed && parsed.error().message.empty()) __builtin_trap();
  if (parsed && text.substr(0, text.rfind("\n\n") + 1) != checkpointBody(*parsed)) __builtin_trap();
  auto opened = openCheckpoint(text, keys);
  if (!opened && opened.error().message.empty()) __builtin_trap();
  if (opened && !parsed) __builtin_trap();

  std::istringstream log{std::string(text)};
  const LogVerification verification = verifyDecisionLog(log, keys);
  if (verification.ok != verification.problem.empty()) __builtin_trap();
  std::istringstream again{std::string(text)};
  (void)checkLogAgainstCheckpoint(again, Checkpoint{"fuzz", size % 7, merkleLeafHash(text)});
  return 0;
}
