#include "cli/input_reader.h"

#include "cli/rendered_inputs.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace agentguard::cli {
namespace {

namespace fs = std::filesystem;

bool isManifestFile(const fs::path& path) {
  const auto extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

Result<std::string> readBounded(std::istream& in, const std::string& name, size_t maxBytes) {
  std::string text;
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof(buffer));
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > maxBytes) {
      return makeError(ErrorCode::kInvalidArgument,
                       name + ": larger than the limit of " + std::to_string(maxBytes) + " bytes");
    }
  }
  if (in.bad()) return makeError(ErrorCode::kInvalidArgument, name + ": read error");
  return text;
}

Result<std::string> readFile(const fs::path& path, size_t maxBytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kInvalidArgument, path.string() + ": cannot open file");
  return readBounded(in, path.string(), maxBytes);
}

}  // namespace

bool isExcluded(const std::vector<std::string>& globs, const std::string& relative, const std::string& reported,
                const std::string& name) {
  for (const auto& glob : globs) {
    for (const std::string* candidate : {&relative, &reported, &name}) {
      if (fnmatch(glob.c_str(), candidate->c_str(), 0) == 0) return true;
    }
  }
  return false;
}

std::vector<InputText> readInputs(const std::vector<std::string>& paths, std::istream& stdinStream,
                                  const InputOptions& options) {
  const size_t maxBytes = options.maxBytes;
  std::vector<InputText> inputs;
  const auto add = [&inputs](std::string name, Result<std::string> text) {
    if (text) {
      inputs.push_back({std::move(name), std::move(text).value(), ""});
    } else {
      inputs.push_back({std::move(name), "", std::move(text).error().message});
    }
  };
  const RenderOptions renderOptions{options.helmValues, maxBytes};
  const auto addRendered = [&](const std::string& directory, RenderedKind kind) {
    auto rendered = renderDirectory(directory, kind, renderOptions);
    if (!rendered) {
      add(directory, std::move(rendered).error());
      return;
    }
    for (auto& file : *rendered) add(std::move(file.name), std::move(file.text));
  };
  for (const auto& argument : paths) {
    if (argument == "-") {
      add(options.stdinName, readBounded(stdinStream, options.stdinName, maxBytes));
      continue;
    }
    std::error_code ec;
    const fs::path path(argument);
    if (fs::is_directory(path, ec) && renderedKindOf(argument) != RenderedKind::kNone) {
      addRendered(argument, renderedKindOf(argument));
      continue;
    }
    if (fs::is_directory(path, ec)) {
      // A chart or overlay found while walking is rendered unless its Chart.yaml or kustomization.yaml is
      // excluded: then its directory is walked like any other.
      const auto renderedKindFound = [&](const fs::path& directory) {
        const RenderedKind kind = renderedKindOf(directory.string());
        for (const char* marker : {"Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization"}) {
          const fs::path file = directory / marker;
          std::error_code markerError;
          if (fs::is_regular_file(file, markerError) &&
              isExcluded(options.excludes, file.lexically_relative(path).generic_string(), file.string(), marker)) {
            return RenderedKind::kNone;
          }
        }
        return kind;
      };
      std::vector<fs::path> files;  // manifest files and, in their place, charts and overlays to render
      fs::recursive_directory_iterator it(path, fs::directory_options::none, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto name = it->path().filename().string();
        if ((!name.empty() && name.front() == '.') ||
            isExcluded(options.excludes, it->path().lexically_relative(path).generic_string(), it->path().string(), name)) {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_directory(ec) && renderedKindFound(it->path()) != RenderedKind::kNone) {
          it.disable_recursion_pending();  // its templates are not manifests; the rendered output is
          files.push_back(it->path());
          continue;
        }
        if (it->is_regular_file(ec) && isManifestFile(it->path())) files.push_back(it->path());
      }
      if (ec) {
        add(argument, makeError(ErrorCode::kInvalidArgument, argument + ": cannot read directory: " + ec.message()));
        continue;
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        const RenderedKind kind = fs::is_directory(file, ec) ? renderedKindFound(file) : RenderedKind::kNone;
        if (kind != RenderedKind::kNone) {
          addRendered(file.string(), kind);
        } else {
          add(file.string(), readFile(file, maxBytes));
        }
      }
      continue;
    }
    if (!fs::exists(path, ec)) {
      add(argument, makeError(ErrorCode::kInvalidArgument, argument + ": no such file or directory"));
      continue;
    }
    if (isHelmTemplate(argument)) {
      add(argument, makeError(ErrorCode::kInvalidArgument,
                              argument + ": a Helm template, not a manifest; check its chart directory (helm renders "
                                         "it) or pipe helm template's output to agentguard check -"));
      continue;
    }
    add(argument, readFile(path, maxBytes));
  }
  return inputs;
}

}  // namespace agentguard::cli
