#include "common/decision/decision_log_verifier.h"

#include <nlohmann/json.hpp>

#include "common/decision/decision_statement.h"
#include "common/decision/digest.h"
#include "common/decision/dsse_envelope.h"
#include "common/decision/merkle_tree.h"
#include "common/encoding/base64.h"

namespace agentguard::decision {
namespace {

// Checks one line against the chain state in `result`; "" when it verifies, else what is wrong.
std::string checkLine(const std::string& line, const TrustedKeys& keys, LogVerification& result) {
  Result<Envelope> envelope = parseEnvelopeLine(line);
  if (!envelope) return envelope.error().message;
  if (envelope->payloadType != kInTotoPayloadType) {
    return "payloadType is \"" + envelope->payloadType + "\", expected " + std::string(kInTotoPayloadType);
  }
  if (!keys.knows(envelope->keyId)) return "signed by keyid " + envelope->keyId + ", which the trust file does not list";
  if (!verifyEnvelope(keys, *envelope)) return "signature does not verify (the record was edited)";
  nlohmann::json statement;
  try {
    statement = nlohmann::json::parse(envelope->payload);
  } catch (const nlohmann::json::exception&) {
    return "signed payload is not JSON";
  }
  Result<LogPosition> position = positionOf(statement);
  if (!position) return position.error().message;
  if (result.records == 0) {
    result.origin = position->origin;
  } else if (position->origin != result.origin) {
    return "record from origin \"" + position->origin + "\" in the log of origin \"" + result.origin + "\"";
  }
  if (position->seq != result.records) {
    return "seq " + std::to_string(position->seq) + " where " + std::to_string(result.records) +
           " was expected (a record was removed, reordered or replayed)";
  }
  if (position->prev != result.lastPayloadDigest) {
    return "prev " + position->prev + " is not the digest of the previous record's payload";
  }
  result.lastPayloadDigest = sha256Hex(envelope->payload);
  return "";
}

}  // namespace

LogVerification verifyDecisionLog(std::istream& log, const TrustedKeys& keys) {
  LogVerification result;
  std::string line;
  std::uint64_t lineNumber = 0;
  while (std::getline(log, line)) {
    ++lineNumber;
    std::string problem = log.eof() ? "ends without a newline (the log was truncated mid-record)" : "";
    if (problem.empty()) problem = checkLine(line, keys, result);
    if (!problem.empty()) {
      result.badLine = lineNumber;
      result.problem = std::move(problem);
      return result;
    }
    ++result.records;
  }
  if (result.records == 0) {
    result.badLine = 1;
    result.problem = "the log holds no record";
    return result;
  }
  result.ok = true;
  return result;
}

std::string checkLogAgainstCheckpoint(std::istream& log, const Checkpoint& checkpoint) {
  MerkleFrontier tree;
  std::string line;
  while (tree.size() < checkpoint.size && std::getline(log, line) && !log.eof()) tree.append(merkleLeafHash(line));
  if (tree.size() < checkpoint.size) {
    return "the log holds " + std::to_string(tree.size()) + " complete records but the checkpoint covers " +
           std::to_string(checkpoint.size) + ": records " + std::to_string(tree.size()) + ".." +
           std::to_string(checkpoint.size - 1) + " are missing (the log was truncated or lines were removed)";
  }
  if (tree.root() != checkpoint.rootHash) {
    return "the first " + std::to_string(checkpoint.size) + " records do not hash to the checkpoint's root " +
           encoding::encodeBase64(checkpoint.rootHash) + " (a record among them was edited, replaced or reordered)";
  }
  return "";
}

}  // namespace agentguard::decision
