#include "common/decision/decision_log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/decision/checkpoint.h"
#include "common/decision/digest.h"
#include "common/decision/dsse_envelope.h"

namespace agentguard::decision {
namespace {

// What the writer finds in an existing log: its last line and the Merkle tree over all its lines.
struct ExistingLog {
  std::string lastLine;
  MerkleFrontier tree;
  std::string rootAtCheckpoint;  // the root of the first `checkpoint->size` lines, when there are that many
};

std::string checkpointPath(const std::string& logPath) { return logPath + ".checkpoint"; }

// Writes `text` to `<target>.tmp`, syncs it and renames it over `target`, so a reader sees the old
// checkpoint or the new one, never a part.
Status replaceFileAtomically(const std::string& target, const std::string& text) {
  const std::string temporary = target + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::kUnavailable, temporary + " could not be created: " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const std::string reason = std::strerror(errno);
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), target.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return makeError(ErrorCode::kUnavailable, target + " could not be written: " + (written ? std::strerror(errno) : reason));
  }
  return okStatus();
}

// The writer's previous checkpoint of `path`, unverified (only compared with the file); nullopt when
// there is none yet.
Result<std::optional<Checkpoint>> previousCheckpoint(const std::string& path) {
  std::ifstream file(checkpointPath(path), std::ios::binary);
  if (!file) return std::optional<Checkpoint>();
  std::ostringstream note;
  note << file.rdbuf();
  Result<Checkpoint> checkpoint = parseCheckpointNote(note.str());
  if (!checkpoint) return makeError(ErrorCode::kInvalidArgument, checkpointPath(path) + ": " + checkpoint.error().message);
  return std::optional<Checkpoint>(std::move(*checkpoint));
}

// Reads every line of the log. InvalidArgument when the file does not end with a newline (a torn
// write: continuing would hide it).
Result<ExistingLog> readExisting(const std::string& path, std::uint64_t checkpointSize) {
  ExistingLog existing;
  // Only a regular file holds records to continue; a device such as /dev/full would read forever.
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return existing;
  std::ifstream file(path, std::ios::binary);
  if (!file) return existing;
  std::string line;
  while (std::getline(file, line)) {
    if (file.eof()) {
      return makeError(ErrorCode::kInvalidArgument, "decision log " + path +
                                                        " ends mid-record; verify it with `agentguard log verify` "
                                                        "and move it and its .checkpoint aside before starting a new one");
    }
    existing.tree.append(merkleLeafHash(line));
    if (existing.tree.size() == checkpointSize) existing.rootAtCheckpoint = existing.tree.root();
    existing.lastLine = std::move(line);
  }
  return existing;
}

// Refuses a log that its own checkpoint shows was cut or rewritten since.
Status matchesCheckpoint(const std::string& path, const ExistingLog& existing, const std::optional<Checkpoint>& checkpoint) {
  if (!checkpoint) return okStatus();
  if (existing.tree.size() < checkpoint->size) {
    return makeError(ErrorCode::kInvalidArgument, "decision log " + path + " holds " + std::to_string(existing.tree.size()) +
                                                      " records but its checkpoint covers " + std::to_string(checkpoint->size) +
                                                      "; the log was truncated: verify it with `agentguard log verify --checkpoint`");
  }
  if (checkpoint->size > 0 && existing.rootAtCheckpoint != checkpoint->rootHash) {
    return makeError(ErrorCode::kInvalidArgument, "decision log " + path + ": the first " + std::to_string(checkpoint->size) +
                                                      " records no longer match its checkpoint's root; the log was edited: "
                                                      "verify it with `agentguard log verify --checkpoint`");
  }
  return okStatus();
}

// The chain position after the log's last line.
Result<LogPosition> positionAfter(const std::string& path, const std::string& last, const std::string& origin) {
  LogPosition next{origin, 0, ""};
  if (last.empty()) return next;
  Result<Envelope> envelope = parseEnvelopeLine(last);
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
  return next;
}

}  // namespace

Result<std::unique_ptr<DecisionLogWriter>> DecisionLogWriter::open(const std::string& path, SigningKey&& key,
                                                                   std::string origin, CheckpointPolicy policy) {
  if (!isNoteKeyName(origin)) {
    return makeError(ErrorCode::kInvalidArgument, "decision log origin \"" + origin +
                                                      "\" cannot name its checkpoints: use a name without spaces or '+'");
  }
  Result<std::optional<Checkpoint>> checkpoint = previousCheckpoint(path);
  if (!checkpoint) return checkpoint.error();
  Result<ExistingLog> existing = readExisting(path, *checkpoint ? (*checkpoint)->size : 0);
  if (!existing) return existing.error();
  if (Status matches = matchesCheckpoint(path, *existing, *checkpoint); !matches) return matches.error();
  Result<LogPosition> next = positionAfter(path, existing->lastLine, origin);
  if (!next) return next.error();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  const int syncFd = fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (syncFd < 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return makeError(ErrorCode::kUnavailable, "decision log " + path + " could not be opened: " + reason);
  }
  std::unique_ptr<DecisionLogWriter> writer(
      new DecisionLogWriter(fd, syncFd, path, std::move(key), std::move(origin), std::move(policy)));
  writer->nextSeq_ = next->seq;
  writer->prev_ = std::move(next->prev);
  writer->tree_ = std::move(existing->tree);
  writer->checkpointedSize_ = *checkpoint ? (*checkpoint)->size : 0;
  writer->publishedSize_ = writer->checkpointedSize_;
  writer->checkpointedAt_ = writer->policy_.clock->now();
  return writer;
}

DecisionLogWriter::~DecisionLogWriter() {
  std::optional<Checkpoint> last;
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0 && (tree_.size() > checkpointedSize_ || checkpointFailed_)) last = takeCheckpointLocked();
  }
  if (last) (void)publish(*last);
  if (fd_ >= 0) ::close(fd_);
  ::close(syncFd_);
}

Status DecisionLogWriter::writeCheckpoint() {
  Checkpoint head;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return makeError(ErrorCode::kUnavailable, "decision log " + path_ + " is closed after a torn write");
    head = takeCheckpointLocked();
  }
  return publish(head);
}

bool DecisionLogWriter::checkpointDueLocked() const {
  return fd_ >= 0 && (checkpointFailed_ || tree_.size() - checkpointedSize_ >= policy_.everyRecords ||
                      policy_.clock->now() - checkpointedAt_ >= policy_.every);
}

Checkpoint DecisionLogWriter::takeCheckpointLocked() {
  checkpointedSize_ = tree_.size();
  checkpointedAt_ = policy_.clock->now();
  checkpointFailed_ = false;
  return Checkpoint{origin_, tree_.size(), tree_.root()};
}

Status DecisionLogWriter::publish(const Checkpoint& checkpoint) {
  std::lock_guard publishing(publishMutex_);
  if (checkpoint.size < publishedSize_) return okStatus();  // a larger checkpoint went out meanwhile
  Status published = [&]() -> Status {
    if (::fdatasync(syncFd_) != 0) {
      return makeError(ErrorCode::kUnavailable, "decision log " + path_ + " could not be synced: " + std::strerror(errno));
    }
    Result<std::string> note = signCheckpoint(checkpoint, key_);
    if (!note) return note.error();
    if (Status replaced = replaceFileAtomically(checkpointPath(path_), *note); !replaced) return replaced;
    if (policy_.published) policy_.published(checkpoint, *note);
    return okStatus();
  }();
  if (!published) {
    std::lock_guard lock(mutex_);
    checkpointFailed_ = true;
    return published;
  }
  publishedSize_ = checkpoint.size;
  return okStatus();
}

std::uint64_t DecisionLogWriter::nextSeq() const {
  std::lock_guard lock(mutex_);
  return nextSeq_;
}

Result<std::string> DecisionLogWriter::append(const Decision& decision) {
  return std::move(appendBatch(std::span<const Decision>(&decision, 1)).front());
}

std::vector<Result<std::string>> DecisionLogWriter::appendBatch(std::span<const Decision> decisions, bool checkpointNow) {
  std::optional<Checkpoint> due;
  std::vector<Result<std::string>> digests = appendRecords(decisions, checkpointNow, due);
  if (due) (void)publish(*due);  // the records are written; a failed checkpoint is retried at the next one
  return digests;
}

Status DecisionLogWriter::sync() {
  if (::fdatasync(syncFd_) != 0) {
    return makeError(ErrorCode::kUnavailable, "decision log " + path_ + " could not be synced: " + std::strerror(errno));
  }
  return okStatus();
}

Status DecisionLogWriter::checkpointIfDue() {
  Checkpoint head;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0 || (tree_.size() == checkpointedSize_ && !checkpointFailed_) || !checkpointDueLocked()) return okStatus();
    head = takeCheckpointLocked();
  }
  return publish(head);
}

std::vector<Result<std::string>> DecisionLogWriter::appendRecords(std::span<const Decision> decisions, bool checkpointNow,
                                                                  std::optional<Checkpoint>& due) {
  std::lock_guard lock(mutex_);
  std::vector<Result<std::string>> digests;
  digests.reserve(decisions.size());
  // The chain and tree as they will be once the batch is written; kept only if the write succeeds.
  std::uint64_t seq = nextSeq_;
  std::string prev = prev_;
  MerkleFrontier tree = tree_;
  std::string lines;
  for (const Decision& decision : decisions) {
    Result<std::string> payload = statementPayload(decision, LogPosition{origin_, seq, prev});
    if (!payload) {
      digests.push_back(payload.error());
      continue;
    }
    std::string payloadDigest = sha256Hex(*payload);
    Result<Envelope> envelope = signEnvelope(key_, kInTotoPayloadType, std::move(*payload));
    if (!envelope) {
      digests.push_back(envelope.error());
      continue;
    }
    std::string line = envelopeLine(*envelope);
    digests.push_back("sha256:" + sha256Hex(line));
    tree.append(merkleLeafHash(line));
    lines += line;
    lines += '\n';
    ++seq;
    prev = std::move(payloadDigest);
  }
  if (lines.empty()) return digests;
  // One write() per batch on an O_APPEND descriptor, so records never interleave.
  const ssize_t written = ::write(fd_, lines.data(), lines.size());
  if (written != static_cast<ssize_t>(lines.size())) {
    const std::string reason = written < 0 ? std::strerror(errno) : "short write";
    if (written > 0) {
      // A torn record must not be followed by more: stop writing until restarted (open refuses the file).
      ::close(fd_);
      fd_ = -1;
    }
    const Error failed = makeError(ErrorCode::kUnavailable, "decision log " + path_ + " could not be written: " + reason);
    for (Result<std::string>& digest : digests) {
      if (digest) digest = failed;
    }
    return digests;
  }
  nextSeq_ = seq;
  prev_ = std::move(prev);
  tree_ = std::move(tree);
  if (checkpointNow && checkpointDueLocked()) due = takeCheckpointLocked();
  return digests;
}

}  // namespace agentguard::decision
