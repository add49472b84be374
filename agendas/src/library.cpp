// The agenda library: loading a data directory, and validating templates against it.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <system_error>

#include <agendas/library.hpp>

#include "json_text.hpp"
#include "readers.hpp"

#ifndef NAPC_AGENDAS_DIR
#define NAPC_AGENDAS_DIR "agendas"
#endif

namespace napc::agendas {
namespace {

namespace fs = std::filesystem;

// The *.json files of `dir`, in name order. A missing directory is reported.
std::vector<fs::path> json_files(const fs::path& dir, std::vector<Issue>& issues) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    issues.push_back({dir.string(), "", "cannot read directory: " + ec.message(), 0, 0});
    return out;
  }
  for (const auto& entry : it) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

fs::path default_dir() {
  if (const char* env = std::getenv("NAPC_AGENDAS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return NAPC_AGENDAS_DIR;
}

Library Library::load(const fs::path& dir, const Limits& limits) {
  Library lib;
  for (const auto& path : json_files(dir / "outlines", lib.issues_)) {
    const auto file = path.string();
    const auto text = detail::read_file(path, file, limits, lib.issues_);
    const auto doc = text ? detail::parse_json(*text, file, limits, lib.issues_) : std::nullopt;
    if (!doc) {
      continue;
    }
    auto loaded = lib.read_outline(*doc, file);
    lib.issues_.insert(lib.issues_.end(), loaded.issues.begin(), loaded.issues.end());
    if (!loaded.value) {
      continue;
    }
    if (lib.outline(loaded.value->id) != nullptr) {
      lib.issues_.push_back({file, "/id", "duplicate outline id '" + loaded.value->id + "'", 0, 0});
      continue;
    }
    lib.outlines_.push_back(std::move(*loaded.value));
  }

  for (const auto& path : json_files(dir / "options", lib.issues_)) {
    const auto file = path.string();
    const auto text = detail::read_file(path, file, limits, lib.issues_);
    const auto doc = text ? detail::parse_json(*text, file, limits, lib.issues_) : std::nullopt;
    if (!doc) {
      continue;
    }
    detail::Ctx ctx(file, lib.issues_);
    bool ok = false;
    auto sets = detail::read_option_file(ctx, *doc, ok);
    for (auto& set : sets) {
      if (lib.option_set(set.id) != nullptr) {
        lib.issues_.push_back({file, "/id", "duplicate option set '" + set.id + "'", 0, 0});
        continue;
      }
      lib.option_sets_.push_back(std::move(set));
    }
  }

  for (const auto& path : json_files(dir / "templates", lib.issues_)) {
    auto loaded = lib.load_template_file(path, limits);
    lib.issues_.insert(lib.issues_.end(), loaded.issues.begin(), loaded.issues.end());
    if (!loaded.value) {
      continue;
    }
    const auto file = path.string();
    // Shipped templates are found by id; keep file name and id the same.
    if (path.stem().string() != loaded.value->id) {
      lib.issues_.push_back({file, "/id",
                             "id '" + loaded.value->id + "' does not match the file name '" +
                                 path.filename().string() + "'",
                             0, 0});
      continue;
    }
    if (lib.find(loaded.value->id) != nullptr) {
      lib.issues_.push_back(
          {file, "/id", "duplicate template id '" + loaded.value->id + "'", 0, 0});
      continue;
    }
    lib.templates_.push_back(std::move(*loaded.value));
  }
  std::sort(lib.templates_.begin(), lib.templates_.end(),
            [](const Template& a, const Template& b) { return a.id < b.id; });
  return lib;
}

Library Library::load_default() { return load(default_dir()); }

const Template* Library::find(std::string_view id) const {
  for (const auto& t : templates_) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

const Outline* Library::outline(std::string_view id) const {
  for (const auto& o : outlines_) {
    if (o.id == id) {
      return &o;
    }
  }
  return nullptr;
}

const OptionSet* Library::option_set(std::string_view id) const {
  for (const auto& s : option_sets_) {
    if (s.id == id) {
      return &s;
    }
  }
  return nullptr;
}

Loaded<Template> Library::read_template(const nlohmann::json& doc, std::string_view file) const {
  Loaded<Template> out;
  detail::Ctx ctx(file, out.issues);
  auto tpl = detail::read_template(ctx, doc, *this);
  out.issue_count = ctx.error_count();
  if (tpl && out.issues.empty()) {
    out.value = std::move(tpl);
  }
  return out;
}

Loaded<Template> Library::parse_template(std::string_view text, std::string_view file,
                                         const Limits& limits) const {
  Loaded<Template> out;
  auto doc = detail::parse_json(text, file, limits, out.issues);
  if (!doc) {
    out.issue_count = out.issues.size();
    return out;
  }
  return read_template(*doc, file);
}

Loaded<Template> Library::load_template_file(const fs::path& path, const Limits& limits) const {
  Loaded<Template> out;
  const auto file = path.string();
  auto text = detail::read_file(path, file, limits, out.issues);
  if (!text) {
    out.issue_count = out.issues.size();
    return out;
  }
  return parse_template(*text, file, limits);
}

Loaded<Outline> Library::read_outline(const nlohmann::json& doc, std::string_view file) const {
  Loaded<Outline> out;
  detail::Ctx ctx(file, out.issues);
  auto outline = detail::read_outline(ctx, doc);
  out.issue_count = ctx.error_count();
  if (outline && out.issues.empty()) {
    outline->file = std::string(file);
    out.value = std::move(outline);
  }
  return out;
}

ValidationResult validate_template(const nlohmann::json& doc, std::string_view file,
                                   const Library& library) {
  return {library.read_template(doc, file).issues};
}

ValidationResult validate_template_file(const fs::path& path, const Library& library,
                                        const Limits& limits) {
  return {library.load_template_file(path, limits).issues};
}

Loaded<Template> load_template_file(const fs::path& path, const Library& library,
                                    const Limits& limits) {
  return library.load_template_file(path, limits);
}

const Library& default_library() {
  static const Library lib = Library::load_default();
  return lib;
}

ValidationResult validate_template(const nlohmann::json& doc, std::string_view file) {
  return validate_template(doc, file, default_library());
}

Loaded<Template> load_template_file(const fs::path& path) {
  return default_library().load_template_file(path);
}

}  // namespace napc::agendas
