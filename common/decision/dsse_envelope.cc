#include "common/decision/dsse_envelope.h"

#include <nlohmann/json.hpp>

#include "common/encoding/base64.h"

namespace agentguard::decision {
namespace {

Result<std::string> stringMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return makeError(ErrorCode::kInvalidArgument, std::string("envelope field ") + name + " is missing or not a string");
  }
  return it->get<std::string>();
}

Result<std::string> base64Member(const nlohmann::json& object, const char* name) {
  Result<std::string> text = stringMember(object, name);
  if (!text) return text;
  std::optional<std::string> bytes = encoding::decodeBase64(*text, encoding::kStrictBase64);
  if (!bytes) return makeError(ErrorCode::kInvalidArgument, std::string("envelope field ") + name + " is not base64");
  return std::move(*bytes);
}

}  // namespace

std::string preAuthEncoding(std::string_view payloadType, std::string_view payload) {
  std::string out = "DSSEv1 " + std::to_string(payloadType.size()) + " ";
  out += payloadType;
  out += " " + std::to_string(payload.size()) + " ";
  out += payload;
  return out;
}

Result<Envelope> signEnvelope(const SigningKey& key, std::string_view payloadType, std::string payload) {
  Result<std::string> signature = key.sign(preAuthEncoding(payloadType, payload));
  if (!signature) return signature.error();
  return Envelope{std::string(payloadType), std::move(payload), key.keyId(), std::move(*signature)};
}

std::string envelopeLine(const Envelope& envelope) {
  const nlohmann::json json = {
      {"payloadType", envelope.payloadType},
      {"payload", encoding::encodeBase64(envelope.payload)},
      {"signatures", nlohmann::json::array({{{"keyid", envelope.keyId}, {"sig", encoding::encodeBase64(envelope.signature)}}})},
  };
  return json.dump();
}

Result<Envelope> parseEnvelopeLine(std::string_view line) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    return makeError(ErrorCode::kInvalidArgument, "is not a JSON object (edited or truncated)");
  }
  if (!json.is_object()) return makeError(ErrorCode::kInvalidArgument, "is not a JSON object");
  Envelope envelope;
  Result<std::string> payloadType = stringMember(json, "payloadType");
  if (!payloadType) return payloadType.error();
  Result<std::string> payload = base64Member(json, "payload");
  if (!payload) return payload.error();
  const auto signatures = json.find("signatures");
  if (signatures == json.end() || !signatures->is_array() || signatures->size() != 1 ||
      !signatures->front().is_object()) {
    return makeError(ErrorCode::kInvalidArgument, "envelope field signatures must hold exactly one signature");
  }
  Result<std::string> keyId = stringMember(signatures->front(), "keyid");
  if (!keyId) return keyId.error();
  Result<std::string> signature = base64Member(signatures->front(), "sig");
  if (!signature) return signature.error();
  return Envelope{std::move(*payloadType), std::move(*payload), std::move(*keyId), std::move(*signature)};
}

bool verifyEnvelope(const TrustedKeys& keys, const Envelope& envelope) {
  return keys.verify(envelope.keyId, preAuthEncoding(envelope.payloadType, envelope.payload), envelope.signature);
}

}  // namespace agentguard::decision
