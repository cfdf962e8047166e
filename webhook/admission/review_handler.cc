#include "webhook/admission/review_handler.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <set>
#include <utility>

#include "webhook/admission/finalizer_removal.h"

namespace agentguard::webhook {
namespace {

// "Deployment agents/scraper", for messages about a request whose object could not be evaluated.
std::string requestObjectName(const AdmissionRequest& request) {
  std::string text = request.kind + " ";
  if (!request.namespace_.empty()) text += request.namespace_ + "/";
  return text + (request.name.empty() ? "(unnamed)" : request.name);
}

std::string apiVersionOf(const AdmissionRequest& request) {
  return request.group.empty() ? request.version : request.group + "/" + request.version;
}

// Whether the rules can read the request's object as it is (the usual case: no copy needed).
bool evaluableAsIs(const nlohmann::json& object) { return object.contains("kind") && object.contains("apiVersion"); }

// The API server sends objects with apiVersion and kind, but a missing one is filled from the request
// so the engine recognises the kind.
nlohmann::json withTypeFromRequest(nlohmann::json object, const AdmissionRequest& request) {
  if (!object.is_object()) object = nlohmann::json::object();
  if (!object.contains("kind")) object["kind"] = request.kind;
  if (!object.contains("apiVersion")) object["apiVersion"] = apiVersionOf(request);
  return object;
}

// For a DELETE: the object as it was, or, without request.oldObject, its identity from the request.
nlohmann::json removedObject(const AdmissionRequest& request, const nlohmann::json& oldObject) {
  if (oldObject.is_object()) return withTypeFromRequest(oldObject, request);
  nlohmann::json metadata = {{"name", request.name}};
  if (!request.namespace_.empty()) metadata["namespace"] = request.namespace_;
  return withTypeFromRequest(nlohmann::json{{"metadata", std::move(metadata)}}, request);
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
  if (request.operation == "DELETE" && request.subResource.empty()) return Scope::kRemoval;
  if (request.operation != "CREATE" && request.operation != "UPDATE") return Scope::kSkip;
  if (request.subResource.empty()) return Scope::kObject;
  if (request.resource == "pods" && request.subResource == "ephemeralcontainers") return Scope::kEphemeralContainers;
  if (request.resource == "services" && request.subResource == "status") return Scope::kObject;
  return Scope::kSkip;
}

ReviewHandler::ReviewHandler(const EngineSource& engines, const engine::NetworkPolicySource* networkPolicies,
                             ReviewOptions options)
    : engines_(engines), networkPolicies_(networkPolicies), options_(std::move(options)) {}

Result<engine::Findings> ReviewHandler::findingsFor(const engine::Engine& engine, Scope scope,
                                                    const AdmissionRequest& request,
                                                    const nlohmann::json& oldObject) const {
  engine::EvaluationContext context;
  context.networkPolicies = networkPolicies_;
  context.workloads = options_.workloads;
  context.defaultNamespace = request.namespace_.empty() ? std::string_view("default") : request.namespace_;
  context.now = options_.clock->wallNow();
  // A skip counts when an exemption admin set it or it is as it was (evaluate() refuses anyone else's).
  context.honourSkipAnnotations = !setsSkipAnnotations(request, request.oldObject) ||
                                  options_.exemptionAdmins.includes(request.username, request.groups);
  switch (scope) {
    case Scope::kSkip:
      return engine::Findings{};
    case Scope::kRemoval:
      context.removal = true;
      return engine.evaluate(removedObject(request, oldObject), context);
    case Scope::kEphemeralContainers: {
      if (request.kind != "EphemeralContainers") {
        if (evaluableAsIs(request.object)) return judgeEphemeralContainers(engine, request.object, context);
        return judgeEphemeralContainers(engine, withTypeFromRequest(request.object, request), context);
      }
      // Kubernetes before 1.22 sends only the list: the pod's own settings come from the API server.
      if (options_.pods == nullptr) {
        return makeError(ErrorCode::kUnavailable, "no Pod source to read " + requestObjectName(request) + " from");
      }
      auto pod = options_.pods->pod(request.namespace_, request.name);
      if (!pod) return makeError(ErrorCode::kUnavailable, "reading the Pod failed: " + pod.error().message);
      return judgeEphemeralContainers(engine, podWithEphemeralContainers(std::move(*pod), request.object), context);
    }
    case Scope::kObject:
      if (evaluableAsIs(request.object)) return engine.evaluate(request.object, context);
      return engine.evaluate(withTypeFromRequest(request.object, request), context);
  }
  return engine::Findings{};
}

AdmissionResponse ReviewHandler::evaluate(const AdmissionRequest& request, ReviewOutcome& outcome) const {
  engine::Findings findings;
  RelaxedActions relaxed;  // parallel to findings: the guards' first (never lowered), then the policies'

  if (guardsExemptLabel(request)) {
    const nlohmann::json none;
    auto refusal = exemptLabelRefusal(request, request.operation == "UPDATE" ? request.oldObject : none,
                                      options_.exemptionAdmins);
    if (refusal) findings.push_back(std::move(*refusal));
  }
  if (auto refusal = skipAnnotationRefusal(request, request.oldObject, options_.exemptionAdmins)) {
    findings.push_back(std::move(*refusal));
  }

  // An object on its way out stays checked, but an update that only removes finalizers is let
  // through: refusing it would leave the object stuck in deletion.
  Scope scope = scopeOf(request);
  if (scope != Scope::kRemoval && !request.object.is_object()) scope = Scope::kSkip;
  if (scope == Scope::kObject && request.operation == "UPDATE" && beingDeleted(request.object) &&
      onlyRemovesFinalizers(request.object, request.oldObject)) {
    scope = Scope::kSkip;
  }
  if (scope != Scope::kSkip) {
    const auto engine = engines_.engine();
    if (!engine) {
      outcome.decision = Decision::kError;
      outcome.error = "no policy set is loaded";
      return internalErrorResponse(request.uid, requestObjectName(request));
    }
    const nlohmann::json none;
    auto evaluated = findingsFor(*engine, scope, request, scope == Scope::kRemoval ? request.oldObject : none);
    if (!evaluated) {
      outcome.decision = Decision::kError;
      outcome.error = evaluated.error().message;
      return internalErrorResponse(request.uid, requestObjectName(request));
    }
    relaxed.resize(findings.size());
    RelaxedActions lowered = applyEnforcementMode(options_.mode, *evaluated);
    relaxed.insert(relaxed.end(), lowered.begin(), lowered.end());
    findings.insert(findings.end(), std::make_move_iterator(evaluated->begin()),
                    std::make_move_iterator(evaluated->end()));
  }

  std::set<std::string> denied;
  std::set<std::string> warned;
  std::set<std::string> audited;
  for (const auto& finding : findings) {
    switch (finding.action) {
      case engine::Action::kDeny: denied.insert(finding.rule); break;
      case engine::Action::kWarn: warned.insert(finding.rule); break;
      case engine::Action::kAudit: audited.insert(finding.rule); break;
    }
  }
  outcome.deniedRules.assign(denied.begin(), denied.end());
  outcome.warnedRules.assign(warned.begin(), warned.end());
  outcome.auditedRules.assign(audited.begin(), audited.end());
  outcome.decision = !denied.empty() ? Decision::kDeny : !warned.empty() ? Decision::kWarn : Decision::kAllow;
  AdmissionResponse response = responseForFindings(request.uid, findings, relaxed);
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
    // Decision log (docs/decision-log.md): an answer that cannot be recorded is a refusal, unless the
    // webhook was told to answer without a record (--decision-log-on-failure=allow).
    if (options_.decisionRecorder != nullptr) {
      if (Status recorded = options_.decisionRecorder->record(request, outcome.findings, response, options_.mode); !recorded) {
        if (options_.decisionRecorder->onFailure() == OnRecordFailure::kAllow) {
          outcome.error = "answered without a decision record: " + recorded.error().message;
        } else {
          outcome.decision = Decision::kError;
          outcome.error = recorded.error().message;
          response = internalErrorResponse(request.uid, requestObjectName(request));
        }
      }
    }
    outcome.body = serializeAdmissionReview(response);
  } catch (const std::exception& error) {
    outcome.decision = Decision::kError;
    outcome.error = error.what();
    outcome.deniedRules.clear();
    outcome.warnedRules.clear();
    outcome.auditedRules.clear();
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  } catch (...) {
    outcome.decision = Decision::kError;
    outcome.error = "unknown exception";
    outcome.deniedRules.clear();
    outcome.warnedRules.clear();
    outcome.auditedRules.clear();
    outcome.body = serializeAdmissionReview(internalErrorResponse(request.uid, requestObjectName(request)));
  }
  outcome.uid = std::move(request.uid);
  outcome.kind = std::move(request.kind);
  outcome.namespace_ = std::move(request.namespace_);
  outcome.name = std::move(request.name);
  outcome.operation = std::move(request.operation);
  outcome.subResource = std::move(request.subResource);
  outcome.dryRun = request.dryRun;
  return outcome;
}

}  // namespace agentguard::webhook
