#include "common/decision/merkle_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/decision/digest.h"

namespace agentguard::decision {
namespace {

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string toHex(std::string_view bytes) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

// Certificate Transparency's reference leaves and the RFC 6962 roots of their first 0..8.
const std::vector<std::string> kLeafInputs = {"",         "00",       "10",
                                              "2021",     "3031",     "40414243",
                                              "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<std::string> leafHashes(size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) out.push_back(merkleLeafHash(fromHex(kLeafInputs[i])));
  return out;
}

// MTH written straight from RFC 6962 section 2.1 over the entries themselves, independent of the module.
std::string referenceRoot(const std::vector<std::string>& entries) {
  if (entries.empty()) return sha256("");
  if (entries.size() == 1) return sha256(std::string(1, '\0') + entries[0]);
  size_t k = 1;
  while (k * 2 < entries.size()) k *= 2;
  const std::vector<std::string> left(entries.begin(), entries.begin() + static_cast<long>(k));
  const std::vector<std::string> right(entries.begin() + static_cast<long>(k), entries.end());
  return sha256(std::string(1, '\x01') + referenceRoot(left) + referenceRoot(right));
}

TEST(MerkleTreeTest, RootsMatchTheCertificateTransparencyVectors) {
  for (size_t size = 0; size <= 8; ++size) {
    const std::vector<std::string> leaves = leafHashes(size);
    EXPECT_EQ(toHex(merkleRoot(leaves)), kRoots[size]) << "size " << size;
  }
}

TEST(MerkleTreeTest, RootsMatchTheRecursiveDefinitionUpToSeventyLeaves) {
  std::vector<std::string> entries;
  std::vector<std::string> leaves;
  MerkleFrontier frontier;
  EXPECT_EQ(frontier.root(), referenceRoot(entries));
  for (int i = 0; i < 70; ++i) {
    entries.push_back("record " + std::to_string(i));
    leaves.push_back(merkleLeafHash(entries.back()));
    frontier.append(leaves.back());
    const std::string expected = referenceRoot(entries);
    EXPECT_EQ(merkleRoot(leaves), expected) << "size " << entries.size();
    EXPECT_EQ(frontier.root(), expected) << "frontier, size " << entries.size();
    EXPECT_EQ(frontier.size(), entries.size());
  }
}

TEST(MerkleTreeTest, InclusionProofsMatchTheCertificateTransparencyVectors) {
  const struct {
    std::uint64_t index;
    std::uint64_t size;
    std::vector<std::string> path;
  } kCases[] = {
      {0, 1, {}},
      {0, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5, 8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1, 5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const auto& c : kCases) {
    const std::vector<std::string> leaves = leafHashes(c.size);
    std::vector<std::string> path;
    for (const std::string& node : merkleInclusionProof(leaves, c.index)) path.push_back(toHex(node));
    EXPECT_EQ(path, c.path) << "leaf " << c.index << " of " << c.size;
    std::vector<std::string> raw;
    for (const std::string& node : c.path) raw.push_back(fromHex(node));
    EXPECT_TRUE(verifyMerkleInclusion(c.index, c.size, leaves[c.index], raw, fromHex(kRoots[c.size])))
        << "leaf " << c.index << " of " << c.size;
  }
}

// Every leaf of every tree up to 33 leaves proves; a wrong leaf, index, size, root or path does not.
TEST(MerkleTreeTest, InclusionProofsVerifyAndForgeriesFail) {
  std::vector<std::string> leaves;
  for (std::uint64_t size = 1; size <= 33; ++size) {
    leaves.push_back(merkleLeafHash("record " + std::to_string(size)));
    const std::string root = merkleRoot(leaves);
    for (std::uint64_t index = 0; index < size; ++index) {
      const std::vector<std::string> proof = merkleInclusionProof(leaves, index);
      ASSERT_TRUE(verifyMerkleInclusion(index, size, leaves[index], proof, root)) << index << " of " << size;
      EXPECT_FALSE(verifyMerkleInclusion(index, size, merkleLeafHash("forged"), proof, root));
      EXPECT_FALSE(verifyMerkleInclusion(index, size, leaves[index], proof, merkleLeafHash("other root")));
      EXPECT_FALSE(verifyMerkleInclusion(size, size, leaves[index], proof, root)) << "index outside the tree";
      if (size > 1) {
        EXPECT_FALSE(verifyMerkleInclusion(index ^ 1, size, leaves[index], proof, root)) << index << " of " << size;
        std::vector<std::string> shortened(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(verifyMerkleInclusion(index, size, leaves[index], shortened, root));
        std::vector<std::string> extended = proof;
        extended.push_back(root);
        EXPECT_FALSE(verifyMerkleInclusion(index, size, leaves[index], extended, root));
      }
    }
  }
}

TEST(MerkleTreeTest, LeafAndNodeHashesAreDomainSeparated) {
  const std::string a = merkleLeafHash("a");
  const std::string b = merkleLeafHash("b");
  EXPECT_NE(merkleNodeHash(a, b), merkleLeafHash(a + b));
  EXPECT_EQ(toHex(merkleLeafHash("")), kRoots[1]);
}

}  // namespace
}  // namespace agentguard::decision
