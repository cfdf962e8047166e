#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentguard::decision {

// RFC 6962 (section 2.1) Merkle tree hashing over a decision log's records. Hashes are raw 32-byte
// SHA-256 values; a leaf is one envelope line without its newline.

// SHA-256(0x00 || entry).
std::string merkleLeafHash(std::string_view entry);
// SHA-256(0x01 || left || right).
std::string merkleNodeHash(std::string_view left, std::string_view right);

// MTH(D[n]) over the given leaf hashes: SHA-256 of the empty string for no leaf, the leaf hash for one,
// else the node hash of the first k leaves and the rest, k the largest power of two below n.
std::string merkleRoot(std::span<const std::string> leafHashes);

// PATH(index, D[n]): the audit path proving leaf `index` is in the tree of all given leaves, ordered
// from the leaf up. Requires index < leafHashes.size().
std::vector<std::string> merkleInclusionProof(std::span<const std::string> leafHashes, std::uint64_t index);

// True when `proof` shows that `leafHash` is leaf `index` of the tree of `treeSize` leaves whose root is
// `root` (RFC 9162 section 2.1.3.2). False for an index outside the tree or a proof of the wrong length.
bool verifyMerkleInclusion(std::uint64_t index, std::uint64_t treeSize, std::string_view leafHash,
                           std::span<const std::string> proof, std::string_view root);

// The root of a tree that only grows, kept in O(log n) hashes (one per perfect subtree of the binary
// decomposition of its size) so a writer need not hold every leaf.
class MerkleFrontier {
 public:
  void append(std::string leafHash);
  std::uint64_t size() const { return size_; }
  // Equals merkleRoot() of every leaf appended so far.
  std::string root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<std::string> subtrees_;  // roots of perfect subtrees, largest (leftmost) first
};

}  // namespace agentguard::decision
