#include "common/kube/kube_client.h"

#include <iterator>
#include <utility>

namespace agentguard::kube {

Result<ObjectList> KubeClient::listAll(const Resource& resource, std::string_view ns, ListOptions options) {
  ObjectList all;
  const bool paged = options.limit > 0;
  for (;;) {
    auto page = list(resource, ns, options);
    if (!page.ok()) {
      // A continue token expires with the compaction of its snapshot: start over in one unpaged list.
      if (page.error().code == ErrorCode::kGone && paged && !options.continueToken.empty()) {
        options.continueToken.clear();
        options.limit = 0;
        all.items.clear();
        continue;
      }
      return std::move(page).error();
    }
    if (all.items.empty()) {
      all.items = std::move(page->items);
    } else {
      all.items.insert(all.items.end(), std::make_move_iterator(page->items.begin()),
                       std::make_move_iterator(page->items.end()));
    }
    // Every page is read at the first page's snapshot; the last page's version is the list's.
    all.resourceVersion = page->resourceVersion;
    if (page->continueToken.empty()) return all;
    options.continueToken = page->continueToken;
  }
}

}  // namespace agentguard::kube
