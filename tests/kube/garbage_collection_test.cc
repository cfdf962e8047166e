// Owner references honoured by the garbage collector of the real kube-controller-manager.

#include <gtest/gtest.h>

#include "common/kube/kube_client.h"
#include "tests/kube/kube_cluster_test.h"

namespace agentguard::kube::testing {
namespace {

class GarbageCollectionTest : public KubeClusterTest {
 protected:
  // Creates ConfigMaps "owner" and "dependent", the second owned by the first; returns the owner's uid.
  std::string createOwnerAndDependent(const std::string& ns) {
    auto owner = client().create(resources::configMaps(), ns, configMap("owner"));
    EXPECT_TRUE(owner.ok()) << owner.error().describe();
    if (!owner.ok()) return "";
    const std::string uid = (*owner)["metadata"]["uid"];
    Json dependent = configMap("dependent");
    dependent["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"},
                                                 {"kind", "ConfigMap"},
                                                 {"name", "owner"},
                                                 {"uid", uid},
                                                 {"controller", true},
                                                 {"blockOwnerDeletion", true}}};
    auto created = client().create(resources::configMaps(), ns, dependent);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    return uid;
  }

  bool isGone(const std::string& ns, const std::string& name) {
    auto current = client().get(resources::configMaps(), ns, name);
    return !current.ok() && current.error().code == ErrorCode::kNotFound;
  }
};

TEST_F(GarbageCollectionTest, BackgroundDeletionRemovesTheDependent) {
  const std::string ns = createNamespace();
  createOwnerAndDependent(ns);
  DeleteOptions background;
  background.propagationPolicy = "Background";
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "owner", background).ok());
  EXPECT_TRUE(isGone(ns, "owner"));
  EXPECT_TRUE(waitFor([&] { return isGone(ns, "dependent"); }, 60s, 200ms));
}

TEST_F(GarbageCollectionTest, ForegroundDeletionRemovesTheDependentFirst) {
  const std::string ns = createNamespace();
  createOwnerAndDependent(ns);
  DeleteOptions foreground;
  foreground.propagationPolicy = "Foreground";
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "owner", foreground).ok());
  // The owner stays, marked for deletion with the foregroundDeletion finalizer, until its dependent is gone.
  auto owner = client().get(resources::configMaps(), ns, "owner");
  if (owner.ok()) {
    EXPECT_TRUE((*owner)["metadata"].contains("deletionTimestamp"));
    EXPECT_EQ((*owner)["metadata"]["finalizers"], Json({"foregroundDeletion"}));
  }
  EXPECT_TRUE(waitFor([&] { return isGone(ns, "dependent") && isGone(ns, "owner"); }, 60s, 200ms));
}

TEST_F(GarbageCollectionTest, OrphanDeletionKeepsTheDependent) {
  const std::string ns = createNamespace();
  createOwnerAndDependent(ns);
  DeleteOptions orphan;
  orphan.propagationPolicy = "Orphan";
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "owner", orphan).ok());
  EXPECT_TRUE(waitFor([&] { return isGone(ns, "owner"); }, 60s, 200ms));
  // The garbage collector removes the owner reference instead of the object.
  EXPECT_TRUE(waitFor(
      [&] {
        auto dependent = client().get(resources::configMaps(), ns, "dependent");
        return dependent.ok() && !(*dependent)["metadata"].contains("ownerReferences");
      },
      60s, 200ms));
}

}  // namespace
}  // namespace agentguard::kube::testing
