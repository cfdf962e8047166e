#include "common/decision/checkpoint.h"

#include <charconv>
#include <vector>

#include "common/decision/digest.h"
#include "common/encoding/base64.h"

namespace agentguard::decision {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr size_t kKeyHashBytes = 4;
constexpr size_t kMaxNoteBytes = 64 * 1024;

Error malformed(const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, "checkpoint " + what);
}

// Splits text that ends with '\n' into its lines (without the newlines).
std::vector<std::string_view> linesOf(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

Result<std::uint64_t> parseSize(std::string_view text) {
  std::uint64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || (text.size() > 1 && text[0] == '0')) {
    return malformed("tree size \"" + std::string(text) + "\" is not a decimal number without leading zeros");
  }
  return size;
}

struct NoteParts {
  std::string_view body;        // including its final newline
  std::string_view signatures;  // the signature lines, each ending with a newline
};

Result<NoteParts> splitNote(std::string_view note) {
  if (note.size() > kMaxNoteBytes) return malformed("is larger than 64 KiB");
  if (note.empty() || note.back() != '\n') return malformed("does not end with a newline");
  const size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos) return malformed("has no blank line before its signatures");
  return NoteParts{note.substr(0, blank + 1), note.substr(blank + 2)};
}

Result<Checkpoint> parseBody(std::string_view body) {
  const std::vector<std::string_view> lines = linesOf(body);
  if (lines.size() != 3) {
    return malformed("body has " + std::to_string(lines.size()) + " lines; expected origin, tree size and root hash");
  }
  if (!isNoteKeyName(lines[0])) return malformed("origin \"" + std::string(lines[0]) + "\" is empty or holds a space or '+'");
  Result<std::uint64_t> size = parseSize(lines[1]);
  if (!size) return size.error();
  std::optional<std::string> root = encoding::decodeBase64(lines[2], encoding::kStrictBase64);
  if (!root || root->size() != 32) return malformed("root hash is not the base64 of 32 bytes");
  return Checkpoint{std::string(lines[0]), *size, std::move(*root)};
}

}  // namespace

std::string checkpointBody(const Checkpoint& checkpoint) {
  return checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" + encoding::encodeBase64(checkpoint.rootHash) + "\n";
}

std::string noteKeyHash(std::string_view keyName, std::string_view noteKey) {
  std::string input(keyName);
  input += '\n';
  input += noteKey;
  return sha256(input).substr(0, kKeyHashBytes);
}

bool isNoteKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (c == '+' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

Result<std::string> signCheckpoint(const Checkpoint& checkpoint, const SigningKey& key) {
  if (!isNoteKeyName(checkpoint.origin)) {
    return makeError(ErrorCode::kInvalidArgument, "origin \"" + checkpoint.origin +
                                                      "\" cannot name a checkpoint key: it is empty or holds a space or '+'");
  }
  const std::string body = checkpointBody(checkpoint);
  Result<std::string> signature = key.sign(body);
  if (!signature) return signature.error();
  return body + "\n" + std::string(kSignaturePrefix) + checkpoint.origin + " " +
         encoding::encodeBase64(noteKeyHash(checkpoint.origin, key.noteKey()) + *signature) + "\n";
}

Result<Checkpoint> parseCheckpointNote(std::string_view note) {
  Result<NoteParts> parts = splitNote(note);
  if (!parts) return parts.error();
  return parseBody(parts->body);
}

Result<Checkpoint> openCheckpoint(std::string_view note, const TrustedKeys& keys) {
  Result<NoteParts> parts = splitNote(note);
  if (!parts) return parts.error();
  Result<Checkpoint> checkpoint = parseBody(parts->body);
  if (!checkpoint) return checkpoint.error();
  const std::vector<std::string_view> lines = linesOf(parts->signatures);
  if (lines.empty()) return malformed("has no signature line");
  for (const std::string_view line : lines) {
    if (!line.starts_with(kSignaturePrefix)) return malformed("signature line does not start with \"— \"");
    const std::string_view rest = line.substr(kSignaturePrefix.size());
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos) return malformed("signature line has no key name and signature");
    if (rest.substr(0, space) != checkpoint->origin) continue;  // another signer (a witness): not ours to check
    std::optional<std::string> signature = encoding::decodeBase64(rest.substr(space + 1), encoding::kStrictBase64);
    if (!signature || signature->size() <= kKeyHashBytes) continue;
    for (const std::string& keyId : keys.keyIds()) {
      if (noteKeyHash(checkpoint->origin, keys.noteKey(keyId)) != signature->substr(0, kKeyHashBytes)) continue;
      if (!keys.verify(keyId, parts->body, signature->substr(kKeyHashBytes))) {
        return makeError(ErrorCode::kForbidden, "checkpoint signature by trusted key " + keyId +
                                                    " does not verify (the checkpoint was edited)");
      }
      return checkpoint;
    }
  }
  return makeError(ErrorCode::kForbidden, "checkpoint of origin \"" + checkpoint->origin +
                                              "\" carries no signature by a key in the trust file");
}

std::string tlogProofText(std::uint64_t index, std::span<const std::string> path, std::string_view checkpointNote) {
  std::string text = "c2sp.org/tlog-proof@v1\nindex " + std::to_string(index) + "\n";
  for (const std::string& hash : path) text += encoding::encodeBase64(hash) + "\n";
  text += "\n";
  text += checkpointNote;
  return text;
}

}  // namespace agentguard::decision
