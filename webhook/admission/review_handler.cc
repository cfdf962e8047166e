#include "webhook/admission/review_handler.h"

#include <algorithm>
#include <exception>
#include <set>
#include <utility>

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
bool onlyMetadataChanges(const AdmissionRequest& request) {
  if (!request.object.is_object() || !request.oldObject.is_object()) return false;
  for (const auto& [key, value] : request.object.items()) {
    if (key == "metadata") continue;
    const auto old = request.oldObject.find(key);
    if (old == request.oldObject.end() || *old != value) return false;
  }
  for (const auto& [key, value] : request.oldObject.items()) {
    if (key != "metadata" && !request.object.contains(key)) return false;
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
  const Scope scope = scopeOf(request);
  if (scope == Scope::kSkip || !request.object.is_object()) {
    outcome.decision = Decision::kAllow;
    AdmissionResponse response;
    response.uid = request.uid;
    return response;
  }
  // An object on its way out stays checked, but a change to its metadata alone (a finalizer being
  // removed) is let through: refusing it would leave the object stuck in deletion.
  if (request.operation == "UPDATE" && beingDeleted(request.object) && onlyMetadataChanges(request)) {
    outcome.decision = Decision::kAllow;
    AdmissionResponse response;
    response.uid = request.uid;
    return response;
  }

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
  engine::Findings findings = engine->evaluate(object, context);
  if (scope == Scope::kEphemeralContainers) {
    std::erase_if(findings, [](const engine::Finding& finding) {
      return finding.path.rfind(kEphemeralContainersPath, 0) != 0;
    });
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
  return responseForFindings(request.uid, findings);
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
  const AdmissionRequest& request = *decoded;
  outcome.uid = request.uid;
  outcome.kind = request.kind;
  outcome.namespace_ = request.namespace_;
  outcome.name = request.name;
  outcome.operation = request.operation;
  outcome.subResource = request.subResource;
  outcome.dryRun = request.dryRun;
  try {
    outcome.body = serializeAdmissionReview(evaluate(request, outcome));
  } catch (const std::exception& error) {
    outcome.decision = Decision::kError;
    outcome.error = error.what();
    outcome.deniedRules.clear();
    outcome.warnedRules.clear();
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  } catch (...) {
    outcome.decision = Decision::kError;
    outcome.error = "unknown exception";
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  }
  return outcome;
}

}  // namespace agentguard::webhook
