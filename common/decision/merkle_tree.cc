#include "common/decision/merkle_tree.h"

#include <bit>

#include "common/decision/digest.h"

namespace agentguard::decision {
namespace {

// The largest power of two smaller than n (n >= 2): the RFC's split point k.
std::uint64_t splitPoint(std::uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace

std::string merkleLeafHash(std::string_view entry) {
  std::string input(1, '\x00');
  input += entry;
  return sha256(input);
}

std::string merkleNodeHash(std::string_view left, std::string_view right) {
  std::string input(1, '\x01');
  input += left;
  input += right;
  return sha256(input);
}

std::string merkleRoot(std::span<const std::string> leafHashes) {
  if (leafHashes.empty()) return sha256("");
  if (leafHashes.size() == 1) return leafHashes[0];
  const std::uint64_t k = splitPoint(leafHashes.size());
  return merkleNodeHash(merkleRoot(leafHashes.first(k)), merkleRoot(leafHashes.subspan(k)));
}

std::vector<std::string> merkleInclusionProof(std::span<const std::string> leafHashes, std::uint64_t index) {
  if (leafHashes.size() <= 1) return {};
  const std::uint64_t k = splitPoint(leafHashes.size());
  std::vector<std::string> path;
  if (index < k) {
    path = merkleInclusionProof(leafHashes.first(k), index);
    path.push_back(merkleRoot(leafHashes.subspan(k)));
  } else {
    path = merkleInclusionProof(leafHashes.subspan(k), index - k);
    path.push_back(merkleRoot(leafHashes.first(k)));
  }
  return path;
}

bool verifyMerkleInclusion(std::uint64_t index, std::uint64_t treeSize, std::string_view leafHash,
                           std::span<const std::string> proof, std::string_view root) {
  if (index >= treeSize) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = treeSize - 1;
  std::string r(leafHash);
  for (const std::string& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = merkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

void MerkleFrontier::append(std::string leafHash) {
  subtrees_.push_back(std::move(leafHash));
  ++size_;
  // Each trailing zero bit of the new size is a pair of equal-height subtrees that now merge.
  for (std::uint64_t merged = size_; (merged & 1) == 0; merged >>= 1) {
    std::string right = std::move(subtrees_.back());
    subtrees_.pop_back();
    subtrees_.back() = merkleNodeHash(subtrees_.back(), right);
  }
}

std::string MerkleFrontier::root() const {
  if (subtrees_.empty()) return sha256("");
  std::string root = subtrees_.back();
  for (auto it = subtrees_.rbegin() + 1; it != subtrees_.rend(); ++it) root = merkleNodeHash(*it, root);
  return root;
}

}  // namespace agentguard::decision
