#include "webhook/admission/admission_request.h"

#include <exception>
#include <initializer_list>
#include <utility>

#include "common/manifest/strict_json.h"

namespace agentguard::webhook {
namespace {

using manifest::StrictJsonReader;
using Type = StrictJsonReader::Type;

Error notAReview(std::string reason) {
  return makeError(ErrorCode::kInvalidArgument, "body is not an admission.k8s.io/v1 AdmissionReview: " + reason);
}

// One pass over the body: the request's fields are read as they come, in any order; every other
// value is checked and skipped. A field of the wrong type reads as absent, and the checks after the
// pass say what is missing.
class ReviewDecoder {
 public:
  ReviewDecoder(std::string_view body, const manifest::ParseLimits& limits) : reader_(body, limits) {}

  Result<AdmissionRequest> decode() {
    const bool isObject = reader_.peek() == Type::kObject;
    if (isObject) {
      reader_.readObject([this](std::string_view key) { review(key); });
    } else {
      reader_.skipValue();
    }
    if (!reader_.finish()) {
      return makeError(ErrorCode::kInvalidArgument, "body is not valid JSON: " + reader_.error().message);
    }

    if (!isObject) return notAReview("the document is not a JSON object");
    if (apiVersion_ != kAdmissionApiVersion) {
      return notAReview("apiVersion is \"" + apiVersion_ + "\", expected \"" + std::string(kAdmissionApiVersion) +
                        "\"");
    }
    if (kind_ != kAdmissionReviewKind) return notAReview("kind is \"" + kind_ + "\", expected \"AdmissionReview\"");
    if (!hasRequest_) return notAReview("request is missing");
    if (request_.uid.empty()) return notAReview("request.uid is missing");
    if (!hasKind_) return notAReview("request.kind is missing");
    if (request_.kind.empty()) return notAReview("request.kind.kind is missing");
    if (request_.operation.empty()) return notAReview("request.operation is missing");
    if (objectProblem_) return notAReview("request.object is not an object");
    if (oldObjectProblem_) return notAReview("request.oldObject is not an object");
    return std::move(request_);
  }

 private:
  void stringIfString(std::string& out) {
    if (reader_.peek() == Type::kString) reader_.readString(out);
  }

  // Reads `{field: string}` members of an object into the matching outputs.
  void stringsOf(std::initializer_list<std::pair<std::string_view, std::string*>> fields) {
    if (reader_.peek() != Type::kObject) return;
    reader_.readObject([this, &fields](std::string_view key) {
      for (const auto& [name, out] : fields) {
        if (key == name) stringIfString(*out);
      }
    });
  }

  void review(std::string_view key) {
    if (key == "apiVersion") {
      stringIfString(apiVersion_);
    } else if (key == "kind") {
      stringIfString(kind_);
    } else if (key == "request" && reader_.peek() == Type::kObject) {
      hasRequest_ = true;
      reader_.readObject([this](std::string_view field) { request(field); });
    }
  }

  void request(std::string_view key) {
    if (key == "uid") {
      stringIfString(request_.uid);
    } else if (key == "kind") {
      hasKind_ = reader_.peek() == Type::kObject;
      stringsOf({{"group", &request_.group}, {"version", &request_.version}, {"kind", &request_.kind}});
    } else if (key == "resource") {
      stringsOf({{"resource", &request_.resource}});
    } else if (key == "subResource") {
      stringIfString(request_.subResource);
    } else if (key == "operation") {
      stringIfString(request_.operation);
    } else if (key == "namespace") {
      stringIfString(request_.namespace_);
    } else if (key == "name") {
      stringIfString(request_.name);
    } else if (key == "dryRun") {
      if (reader_.peek() == Type::kBoolean) reader_.readBoolean(request_.dryRun);
    } else if (key == "userInfo") {
      userInfo();
    } else if (key == "object") {
      const Type type = reader_.peek();
      if (type == Type::kObject) reader_.readValue(request_.object);
      objectProblem_ = type != Type::kObject && type != Type::kNull;
    } else if (key == "oldObject") {
      const Type type = reader_.peek();
      std::string_view raw;
      if (type == Type::kObject && reader_.skipValue(&raw)) request_.oldObjectJson = raw;
      oldObjectProblem_ = type != Type::kObject && type != Type::kNull;
    }
  }

  void userInfo() {
    if (reader_.peek() != Type::kObject) return;
    reader_.readObject([this](std::string_view key) {
      if (key == "username") {
        stringIfString(request_.username);
      } else if (key == "groups" && reader_.peek() == Type::kArray) {
        reader_.readArray([this](size_t) {
          if (reader_.peek() == Type::kString) reader_.readString(request_.groups.emplace_back());
        });
      }
    });
  }

  StrictJsonReader reader_;
  AdmissionRequest request_;
  std::string apiVersion_;
  std::string kind_;
  bool hasRequest_ = false;
  bool hasKind_ = false;
  bool objectProblem_ = false;
  bool oldObjectProblem_ = false;
};

}  // namespace

Result<AdmissionRequest> decodeAdmissionReview(std::string_view body, const manifest::ParseLimits& limits) {
  try {
    return ReviewDecoder(body, limits).decode();
  } catch (const std::exception& error) {  // std::bad_alloc: the body does not fit in memory
    return makeError(ErrorCode::kInvalidArgument, std::string("body is not valid JSON: ") + error.what());
  }
}

Result<nlohmann::json> parseOldObject(const AdmissionRequest& request, const manifest::ParseLimits& limits) {
  if (request.oldObjectJson.empty()) return nlohmann::json();
  return manifest::parseStrictJson(request.oldObjectJson, limits);
}

}  // namespace agentguard::webhook
