#pragma once

#include <nlohmann/json.hpp>

namespace agentguard::webhook {

// Whether an UPDATE of an object being deleted (metadata.deletionTimestamp set) does nothing but
// remove finalizers: the new object equals the old one except that metadata.finalizers lost entries
// and gained none. Fields the API server maintains itself on every write (resourceVersion,
// managedFields, generation) are not compared. Such an update is let through unchecked, because
// refusing it would leave the object stuck in deletion; any other change to a terminating object
// (labels, annotations, owner references, spec, a finalizer added) is checked like any UPDATE.
// Kyverno's CVE-2023-34091 let exactly those other changes through.
bool onlyRemovesFinalizers(const nlohmann::json& object, const nlohmann::json& oldObject);

// Whether metadata.deletionTimestamp is set (and not null).
bool beingDeleted(const nlohmann::json& object);

}  // namespace agentguard::webhook
