#include "webhook/admission/review_handler.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "common/manifest/strict_json.h"

namespace agentguard::webhook {
namespace {

constexpr std::string_view kEphemeralContainersPath = "spec.ephemeralContainers";

// "Deployment agents/scraper", for messages about a request whose object could not be evaluated.
std::string requestObjectName(const AdmissionRequest& request) {
  std::string text = request.kind + " ";
  if (!request.namespace_.empty()) text += request.namespace_ + "/";
  return text + (request.name.empty() ? "(unnamed)" : request.name);
}

// Whether the rules can read the request's object as it is (the usual case: no copy needed).
bool evaluableAsIs(const AdmissionRequest& request) {
  return request.kind != "EphemeralContainers" && request.object.contains("kind") &&
         request.object.contains("apiVersion");
}

// The object the rules see, when it is not the request's object as it is. The API server sends the
// object with apiVersion and kind, but a missing one is filled from the request so the engine
// recognises the kind. Kubernetes before 1.22 sends an EphemeralContainers object for
// pods/ephemeralcontainers; it is checked as the Pod it changes.
nlohmann::json objectToEvaluate(const AdmissionRequest& request) {
  if (request.kind == "EphemeralContainers") {
    nlohmann::json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
    if (auto metadata = request.object.find("metadata"); metadata != request.object.end()) pod["metadata"] = *metadata;
    nlohmann::json spec = {{"containers", nlohmann::json::array()}};
    if (auto list = request.object.find("ephemeralContainers"); list != request.object.end()) {
      spec["ephemeralContainers"] = *list;
    }
    pod["spec"] = std::move(spec);
    return pod;
  }
  nlohmann::json object = request.object;
  if (!object.contains("kind")) object["kind"] = request.kind;
  if (!object.contains("apiVersion")) {
    object["apiVersion"] = request.group.empty() ? request.version : request.group + "/" + request.version;
  }
  return object;
}

// Whether an UPDATE changes nothing but metadata (say, a controller removing its finalizer).
bool onlyMetadataChanges(const nlohmann::json& object, const nlohmann::json& oldObject) {
  if (!object.is_object() || !oldObject.is_object()) return false;
  for (const auto& [key, value] : object.items()) {
    if (key == "metadata") continue;
    const auto old = oldObject.find(key);
    if (old == oldObject.end() || *old != value) return false;
  }
  for (const auto& [key, value] : oldObject.items()) {
    if (key != "metadata" && !object.contains(key)) return false;
  }
  return true;
}

bool beingDeleted(const nlohmann::json& object) {
  const auto metadata = object.find("metadata");
  return metadata != object.end() && metadata->is_object() && metadata->contains("deletionTimestamp") &&
         !(*metadata)["deletionTimestamp"].is_null();
}

}  // namespace

std::string_view decisionName(Decision decision) {
  switch (decision) {
    case Decision::kAllow: return "allow";
    case Decision::kWarn: return "warn";
    case Decision::kDeny: return "deny";
    case Decision::kError: return "error";
    case Decision::kInvalid: return "invalid";
  }
  return "error";
}

Scope scopeOf(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") return Scope::kSkip;
  if (request.subResource.empty()) return Scope::kObject;
  if (request.resource == "pods" && request.subResource == "ephemeralcontainers") return Scope::kEphemeralContainers;
  if (request.resource == "services" && request.subResource == "status") return Scope::kObject;
  return Scope::kSkip;
}

ReviewHandler::ReviewHandler(const EngineSource& engines, const engine::NetworkPolicySource* networkPolicies,
                             ReviewOptions options)
    : engines_(engines), networkPolicies_(networkPolicies), options_(std::move(options)) {}

AdmissionResponse ReviewHandler::evaluate(const AdmissionRequest& request, ReviewOutcome& outcome) const {
  // Built at most once, and only for the few requests that read it.
  std::optional<nlohmann::json> parsedOldObject;
  const auto oldObject = [&]() -> const nlohmann::json& {
    if (!parsedOldObject) {
      auto parsed = parseOldObject(request, options_.limits);
      // The text was checked with the rest of the body, so this is a bug; review() refuses the request.
      if (!parsed) throw std::runtime_error("request.oldObject could not be read again: " + parsed.error().message);
      parsedOldObject = std::move(*parsed);
    }
    return *parsedOldObject;
  };

  engine::Findings findings;
  if (guardsExemptLabel(request)) {
    const nlohmann::json none;
    auto refusal = exemptLabelRefusal(request, request.operation == "UPDATE" ? oldObject() : none,
                                      options_.exemptionAdmins);
    if (refusal) findings.push_back(std::move(*refusal));
  }

  // An object on its way out stays checked, but a change to its metadata alone (a finalizer being
  // removed) is let through: refusing it would leave the object stuck in deletion.
  const Scope scope = scopeOf(request);
  const bool checked = scope != Scope::kSkip && request.object.is_object() &&
                       !(request.operation == "UPDATE" && beingDeleted(request.object) &&
                         onlyMetadataChanges(request.object, oldObject()));
  if (checked) {
    const auto engine = engines_.engine();
    if (!engine) {
      outcome.decision = Decision::kError;
      outcome.error = "no policy set is loaded";
      return internalErrorResponse(request.uid, requestObjectName(request));
    }
    nlohmann::json adapted;
    if (!evaluableAsIs(request)) adapted = objectToEvaluate(request);
    const nlohmann::json& object = evaluableAsIs(request) ? request.object : adapted;
    engine::EvaluationContext context;
    context.networkPolicies = networkPolicies_;
    context.defaultNamespace = request.namespace_.empty() ? std::string_view("default") : request.namespace_;
    context.now = options_.now();
    engine::Findings evaluated = engine->evaluate(object, context);
    if (scope == Scope::kEphemeralContainers) {
      std::erase_if(evaluated, [](const engine::Finding& finding) {
        return finding.path.rfind(kEphemeralContainersPath, 0) != 0;
      });
    }
    findings.insert(findings.end(), std::make_move_iterator(evaluated.begin()),
                    std::make_move_iterator(evaluated.end()));
  }

  std::set<std::string> denied;
  std::set<std::string> warned;
  for (const auto& finding : findings) {
    if (finding.action == engine::Action::kDeny) denied.insert(finding.rule);
    if (finding.action == engine::Action::kWarn) warned.insert(finding.rule);
  }
  outcome.deniedRules.assign(denied.begin(), denied.end());
  outcome.warnedRules.assign(warned.begin(), warned.end());
  outcome.decision = !denied.empty() ? Decision::kDeny : !warned.empty() ? Decision::kWarn : Decision::kAllow;
  AdmissionResponse response = responseForFindings(request.uid, findings);
  outcome.findings = std::move(findings);
  return response;
}

ReviewOutcome ReviewHandler::review(std::string_view body) const {
  ReviewOutcome outcome;
  auto decoded = decodeAdmissionReview(body, options_.limits);
  if (!decoded) {
    outcome.httpStatus = 400;
    outcome.contentType = "text/plain; charset=utf-8";
    outcome.decision = Decision::kInvalid;
    outcome.error = decoded.error().message;
    outcome.body = decoded.error().message + "\n";
    return outcome;
  }
  AdmissionRequest& request = *decoded;
  try {
    AdmissionResponse response = evaluate(request, outcome);
    // Decision log (docs/decision-log.md): an answer that cannot be recorded is a refusal.
    if (options_.decisionRecorder != nullptr) {
      if (Status recorded = options_.decisionRecorder->record(request, outcome.findings, response); !recorded) {
        outcome.decision = Decision::kError;
        outcome.error = recorded.error().message;
        response = internalErrorResponse(request.uid, requestObjectName(request));
      }
    }
    outcome.body = serializeAdmissionReview(response);
  } catch (const std::exception& error) {
    outcome.decision = Decision::kError;
    outcome.error = error.what();
    outcome.deniedRules.clear();
    outcome.warnedRules.clear();
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  } catch (...) {
    outcome.decision = Decision::kError;
    outcome.error = "unknown exception";
    outcome.deniedRules.clear();
    outcome.warnedRules.clear();
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  }
  outcome.uid = std::move(request.uid);
  outcome.kind = std::move(request.kind);
  outcome.namespace_ = std::move(request.namespace_);
  outcome.name = std::move(request.name);
  outcome.operation = std::move(request.operation);
  outcome.subResource = std::move(request.subResource);
  outcome.dryRun = request.dryRun;
  // The next request read on this thread reuses the object's parts.
  manifest::recycleJson(request.object);
  return outcome;
}

}  // namespace agentguard::webhook
