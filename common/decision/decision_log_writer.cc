#include "common/decision/decision_log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/decision/digest.h"
#include "common/decision/dsse_envelope.h"

namespace agentguard::decision {
namespace {

// A record is a few KiB; the last line of a log is looked for in this many trailing bytes.
constexpr std::streamoff kLastLineWindow = 1 << 20;

// The last line of the file without its newline; "" for an empty file. InvalidArgument when the file
// does not end with a newline (a torn write: continuing would hide it).
Result<std::string> lastLine(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return std::string();
  const std::streamoff size = file.tellg();
  if (size <= 0) return std::string();
  const std::streamoff start = size > kLastLineWindow ? size - kLastLineWindow : 0;
  file.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  file.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (tail.back() != '\n') {
    return makeError(ErrorCode::kInvalidArgument, "decision log " + path +
                                                      " ends mid-record; verify it with `agentguard log verify` "
                                                      "and move it aside before starting a new one");
  }
  tail.pop_back();
  const size_t newline = tail.rfind('\n');
  if (newline == std::string::npos && start > 0) {
    return makeError(ErrorCode::kInvalidArgument, "decision log " + path + ": last record is longer than 1 MiB");
  }
  return newline == std::string::npos ? tail : tail.substr(newline + 1);
}

}  // namespace

Result<std::unique_ptr<DecisionLogWriter>> DecisionLogWriter::open(const std::string& path, SigningKey&& key,
                                                                   std::string origin) {
  Result<std::string> last = lastLine(path);
  if (!last) return last.error();
  LogPosition next{origin, 0, ""};
  if (!last->empty()) {
    Result<Envelope> envelope = parseEnvelopeLine(*last);
    if (!envelope) return makeError(ErrorCode::kInvalidArgument, "decision log " + path + ": last line " + envelope.error().message);
    Result<LogPosition> position = [&]() -> Result<LogPosition> {
      try {
        return positionOf(nlohmann::json::parse(envelope->payload));
      } catch (const nlohmann::json::exception&) {
        return makeError(ErrorCode::kInvalidArgument, "payload is not JSON");
      }
    }();
    if (!position) return makeError(ErrorCode::kInvalidArgument, "decision log " + path + ": last line " + position.error().message);
    if (position->origin != origin) {
      return makeError(ErrorCode::kInvalidArgument, "decision log " + path + " belongs to origin \"" + position->origin +
                                                        "\", not \"" + origin + "\"; give each writer its own file");
    }
    next.seq = position->seq + 1;
    next.prev = sha256Hex(envelope->payload);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(ErrorCode::kUnavailable, "decision log " + path + " could not be opened: " + std::strerror(errno));
  }
  std::unique_ptr<DecisionLogWriter> writer(new DecisionLogWriter(fd, path, std::move(key), std::move(origin)));
  writer->nextSeq_ = next.seq;
  writer->prev_ = std::move(next.prev);
  return writer;
}

DecisionLogWriter::~DecisionLogWriter() { ::close(fd_); }

std::uint64_t DecisionLogWriter::nextSeq() const {
  std::lock_guard lock(mutex_);
  return nextSeq_;
}

Result<std::string> DecisionLogWriter::append(const Decision& decision) {
  std::lock_guard lock(mutex_);
  Result<std::string> payload = statementPayload(decision, LogPosition{origin_, nextSeq_, prev_});
  if (!payload) return payload.error();
  std::string payloadDigest = sha256Hex(*payload);
  Result<Envelope> envelope = signEnvelope(key_, kInTotoPayloadType, std::move(*payload));
  if (!envelope) return envelope.error();
  std::string line = envelopeLine(*envelope);
  std::string digest = "sha256:" + sha256Hex(line);
  line += '\n';
  // One write() per record on an O_APPEND descriptor, so records never interleave.
  const ssize_t written = ::write(fd_, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) {
    const std::string reason = written < 0 ? std::strerror(errno) : "short write";
    if (written > 0) {
      // A torn record must not be followed by more: stop writing until restarted (open refuses the file).
      ::close(fd_);
      fd_ = -1;
    }
    return makeError(ErrorCode::kUnavailable, "decision log " + path_ + " could not be written: " + reason);
  }
  ++nextSeq_;
  prev_ = std::move(payloadDigest);
  return digest;
}

}  // namespace agentguard::decision
