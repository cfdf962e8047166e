#pragma once

#include <cstddef>

namespace agentguard::manifest {

// Bounds applied to untrusted manifests. Every limit is an error when exceeded, never a truncation.
struct ParseLimits {
  size_t maxInputBytes = 32u * 1024u * 1024u;    // one file or one request body
  size_t maxDocumentBytes = 3u * 1024u * 1024u;  // one YAML document (the API server's request limit)
  size_t maxDocuments = 10000;                   // documents in one stream
  int maxDepth = 100;                            // nesting of mappings and sequences
  size_t maxNodes = 1000000;                     // values produced, after YAML aliases are expanded
  // What all documents of one YAML stream may expand to together, aliases expanded: values, and bytes of
  // scalar and key text; well above what realistic manifests reach without aliases.
  size_t maxStreamNodes = 4000000;
  size_t maxStreamScalarBytes = 64u * 1024u * 1024u;
};

}  // namespace agentguard::manifest
