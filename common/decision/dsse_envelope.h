#pragma once

#include <string>
#include <string_view>

#include "common/decision/ed25519_keys.h"
#include "common/result/result.h"

namespace agentguard::decision {

constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

// DSSE v1 Pre-Authentication Encoding: "DSSEv1 <len(type)> <type> <len(body)> <body>", lengths in ASCII
// decimal bytes. This, not the payload, is what the signature covers.
std::string preAuthEncoding(std::string_view payloadType, std::string_view payload);

// One DSSE envelope with one signature.
struct Envelope {
  std::string payloadType;
  std::string payload;  // decoded bytes
  std::string keyId;
  std::string signature;  // raw bytes
};

Result<Envelope> signEnvelope(const SigningKey& key, std::string_view payloadType, std::string payload);
// {"payload":"<b64>","payloadType":"...","signatures":[{"keyid":"...","sig":"<b64>"}]} on one line.
std::string envelopeLine(const Envelope& envelope);
// Strict reading of one line as written by envelopeLine: InvalidArgument naming what is wrong.
Result<Envelope> parseEnvelopeLine(std::string_view line);
// True when a trusted key signed the envelope's PAE.
bool verifyEnvelope(const TrustedKeys& keys, const Envelope& envelope);

}  // namespace agentguard::decision
