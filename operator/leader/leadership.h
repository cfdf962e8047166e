#pragma once

namespace agentguard::op {

// Whether this replica may write. Checked before every write (see LeaderGuardedClient), so a replica that
// loses its lease stops acting at once, not after its workers notice.
class Leadership {
 public:
  virtual ~Leadership() = default;
  virtual bool isLeader() const = 0;
};

// Without --leader-elect: the only replica always leads.
class SoleLeader final : public Leadership {
 public:
  bool isLeader() const override { return true; }
};

}  // namespace agentguard::op
