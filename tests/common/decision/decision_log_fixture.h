#pragma once

// What the decision log's tests share: a Pod decision to record, and a fixture holding a scratch
// directory and one Ed25519 key, with its trust set and a writer opened on a file of that directory.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "common/decision/decision_log_writer.h"
#include "common/decision/ed25519_keys.h"
#include "tests/common/decision/test_keys.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::decision::testing {

// An admission of Pod agents/<name>.
inline Decision podDecision(const std::string& name) {
  Decision decision;
  decision.version = "v1";
  decision.kind = "Pod";
  decision.namespace_ = "agents";
  decision.name = name;
  decision.action = "allow";
  return decision;
}

class DecisionLogFixture : public ::testing::Test {
 protected:
  // A file of the scratch directory.
  std::string path(const char* name = "decisions.dsse.jsonl") const { return (dir_ / name).string(); }
  SigningKey key() const { return std::move(SigningKey::fromPem(pem_)).value(); }
  TrustedKeys trust() const { return std::move(TrustedKeys::fromPem(key().publicKeyPem())).value(); }
  // A writer with origin "replica-a" on `file`; nullptr (and a failed expectation) when it cannot open.
  std::unique_ptr<DecisionLogWriter> open(const std::string& file, CheckpointPolicy policy = {}) const {
    Result<std::unique_ptr<DecisionLogWriter>> writer = DecisionLogWriter::open(file, key(), "replica-a", std::move(policy));
    EXPECT_TRUE(writer.ok()) << writer.error().describe();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  agentguard::testing::ScratchDir dir_{"decision-log"};
  std::string pem_ = newEd25519Pem();
};

}  // namespace agentguard::decision::testing
