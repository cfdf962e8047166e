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
  bool sensitiveLiteral = false;  // isSensitiveLiteral(place)
};

struct ObjectTexts {
  std::vector<ObjectText> texts;  // in forEachTextPlace's order
  // Copies of the places' base paths: forEachTextPlace renders some of them only for the visit.
  std::forward_list<std::string> bases;
  // Where the walk of a custom resource stopped, too deep to go on ("" when the whole object was walked).
  std::string unwalkedPath;
};

// The object's texts, computed on the first call for this view and shared by every later call.
const ObjectTexts& objectTexts(const ObjectView& object);

// The same list, computed afresh (what objectTexts keeps in the memo).
ObjectTexts collectObjectTexts(const ObjectView& object);

// An env var, or a ConfigMap key in UPPER_SNAKE that envFrom would turn into one, named for a secret and
// set to a literal value (see isSensitiveName and isNonSecretLiteral).
bool isSensitiveLiteral(const TextPlace& place);

}  // namespace agentguard::engine::credentials
