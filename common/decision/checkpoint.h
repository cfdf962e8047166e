#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/decision/ed25519_keys.h"
#include "common/result/result.h"

namespace agentguard::decision {

// A decision log's checkpoint (c2sp.org/tlog-checkpoint): the writer's claim that the first `size`
// records of its log have the RFC 6962 Merkle root `rootHash`.
struct Checkpoint {
  std::string origin;       // the writer's origin; also the signing key's name
  std::uint64_t size = 0;   // records covered
  std::string rootHash;     // raw 32-byte root of the first `size` records
};

// The note text "<origin>\n<size>\n<base64 root>\n" that a checkpoint's signature covers.
std::string checkpointBody(const Checkpoint& checkpoint);

// The c2sp.org/signed-note key hash: the first 4 bytes of SHA-256(key name || "\n" || note key), the
// note key being the signature type and the key (SigningKey::noteKey): 0x01 || 32-byte Ed25519 key,
// or 0x02 || DER SubjectPublicKeyInfo for ECDSA P-256.
std::string noteKeyHash(std::string_view keyName, std::string_view noteKey);

// True when `name` can name a signed-note key (and so be a checkpoint's origin): non-empty, no space,
// no control character, no '+'.
bool isNoteKeyName(std::string_view name);

// The checkpoint as a signed note: its body, a blank line and one signature line
// "— <origin> <base64(key hash || Ed25519 signature over the body)>\n".
Result<std::string> signCheckpoint(const Checkpoint& checkpoint, const SigningKey& key);

// Parses a signed note's checkpoint body without checking any signature (the writer uses it to compare
// its own earlier checkpoint with its file). InvalidArgument naming the malformed part.
Result<Checkpoint> parseCheckpointNote(std::string_view note);

// Parses `note` and requires a signature line named after its origin from a key in `keys` that
// verifies. InvalidArgument when malformed, Forbidden when no trusted key signed it or a trusted
// key's signature does not verify (the note was edited).
Result<Checkpoint> openCheckpoint(std::string_view note, const TrustedKeys& keys);

// A c2sp.org/tlog-proof@v1 inclusion proof: "c2sp.org/tlog-proof@v1\nindex <index>\n", the audit path's
// hashes in base64 one per line, a blank line, then the signed checkpoint note the path leads to.
std::string tlogProofText(std::uint64_t index, std::span<const std::string> path, std::string_view checkpointNote);

}  // namespace agentguard::decision
