#pragma once

#include <forward_list>
#include <string>
#include <vector>

#include "engine/rules/credentials/secret_scanner.h"
#include "engine/workload/object_view.h"

// The text places of one object together with what more than one credentials rule needs to know about
// each, found by one walk of the object and kept in its ObjectMemo: the credentials rules read this list
// instead of each walking the object and classifying its names again.
namespace agentguard::engine::credentials {

struct ObjectText {
  TextPlace place;                // valid while the ObjectView lives
  bool sensitiveLiteral = false;  // !secretName.empty()
  std::string_view secretName;    // secretSettingName(place, previous place)
};

struct ObjectTexts {
  std::vector<ObjectText> texts;  // in forEachTextPlace's order
  // Copies of the places' base paths and transient texts: forEachTextPlace makes some of them only for
  // the visit.
  std::forward_list<std::string> bases;
  // Where the walk of a custom resource stopped, too deep to go on ("" when the whole object was walked).
  std::string unwalkedPath;
  std::forward_list<std::string> transientTexts;
};

// The object's texts, computed on the first call for this view and shared by every later call.
const ObjectTexts& objectTexts(const ObjectView& object);

// The same list, computed afresh (what objectTexts keeps in the memo).
ObjectTexts collectObjectTexts(const ObjectView& object);

// The name of a setting that is named for a secret (isSensitiveName) and given a literal value
// (not isNonSecretLiteral) at this place, or an empty view:
//  - the place's own name: an env var; a ConfigMap key that envFrom would load as an env var (no '.' and a
//    one-line value; binaryData too); a CSI volume attribute; a custom resource's field; an HTTP header
//    (Authorization too). Under a name ending in SECRET(S) or CREDENTIAL(S), a volume attribute or field
//    whose value is an object name (a DNS-1123 subdomain) names a Secret and is a reference;
//  - the value of a lone flag argument (`--password`, then the value as the next argument), when
//    `previous` is the argument before it in the same list;
//  - otherwise a setting written inside the text (findSecretAssignment): config files in ConfigMaps,
//    "--api-key=...", "?password=...", JAVA_OPTS="-Ddb.password=...".
std::string_view secretSettingName(const TextPlace& place, const TextPlace* previous);

// Whether secretSettingName finds a setting (with no previous argument).
bool isSensitiveLiteral(const TextPlace& place);

}  // namespace agentguard::engine::credentials
