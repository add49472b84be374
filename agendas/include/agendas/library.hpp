// The agenda library: every shipped agenda template, NAP outline and poll option set, loaded and
// validated from a directory; and the validator facilitators' own templates go through.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <agendas/issue.hpp>
#include <agendas/model.hpp>

namespace napc::agendas {

/// A template (or nothing) plus every problem found while reading and validating it.
/// `value` is set only when `issues` is empty.
template <typename T>
struct Loaded {
  std::optional<T> value;
  std::vector<Issue> issues;
  /// Every problem found; `issues` lists at most kMaxListedIssues of them, then a summary line.
  std::size_t issue_count = 0;

  bool ok() const { return value.has_value(); }
};

/** The data directory: $NAPC_AGENDAS_DIR if set and non-empty, else the build-time default
 *  (the source tree's agendas/). It holds outlines/, options/, templates/ and schema/. */
std::filesystem::path default_dir();

/**
 * The shipped outlines, option sets and templates of one directory.
 *
 * Layout: `<dir>/outlines/`, `<dir>/options/` and `<dir>/templates/`, each holding `.json` files
 * (one object each; read in name order). Templates are checked against the outlines and
 * option sets of the same library: linked sections must exist, `option_set` names must resolve.
 *
 * Thread safety: a loaded Library is immutable; const members may be called from any thread.
 */
class Library {
 public:
  /** An empty library (no outlines: every template referring to an outline fails). */
  Library() = default;

  /**
   * Load and validate everything under `dir`. Files with problems are left out and their
   * problems are kept in issues(); a missing directory is an issue too. Never throws for data.
   */
  static Library load(const std::filesystem::path& dir, const Limits& limits = {});

  /** load(default_dir()). */
  static Library load_default();

  /** Problems found by load(); empty when every shipped file is valid. */
  const std::vector<Issue>& issues() const { return issues_; }

  /** All valid templates, sorted by id. */
  const std::vector<Template>& list() const { return templates_; }
  /** @return the template with `id`, or nullptr. */
  const Template* find(std::string_view id) const;

  const std::vector<Outline>& outlines() const { return outlines_; }
  /** @return the outline with `id`, or nullptr. */
  const Outline* outline(std::string_view id) const;

  const std::vector<OptionSet>& option_sets() const { return option_sets_; }
  /** @return the option set with `id` ("file-id/set-key"), or nullptr. */
  const OptionSet* option_set(std::string_view id) const;

  /**
   * Validate a template (already parsed JSON) against the schema rules and this library's
   * outlines and option sets, and build it. All problems are reported, not just the first.
   * @param file name used in every Issue (for uploads: the upload's display name).
   */
  Loaded<Template> read_template(const nlohmann::json& doc, std::string_view file) const;

  /**
   * Parse and validate a template from text, e.g. an upload. Checks `limits` before parsing
   * (size; nesting depth, reported with line/column), reports JSON syntax errors with
   * line/column, then validates as read_template.
   */
  Loaded<Template> parse_template(std::string_view text, std::string_view file,
                                  const Limits& limits = {}) const;

  /** Read a template file and parse_template it. `path` is also the Issue file name. */
  Loaded<Template> load_template_file(const std::filesystem::path& path,
                                      const Limits& limits = {}) const;

  /** Validate an outline file's JSON (same rules: languages, keys, unknown properties…). */
  Loaded<Outline> read_outline(const nlohmann::json& doc, std::string_view file) const;

 private:
  std::vector<Outline> outlines_;
  std::vector<OptionSet> option_sets_;
  std::vector<Template> templates_;
  std::vector<Issue> issues_;
};

/** Validate `doc` as a template against `library`; every problem, not just the first. */
ValidationResult validate_template(const nlohmann::json& doc, std::string_view file,
                                   const Library& library);

/** Validate a template file (size/depth limits, syntax, then the rules) against `library`. */
ValidationResult validate_template_file(const std::filesystem::path& path, const Library& library,
                                        const Limits& limits = {});

/** Load and validate one template file against `library`. */
Loaded<Template> load_template_file(const std::filesystem::path& path, const Library& library,
                                    const Limits& limits = {});

/** The library of default_dir(), loaded on first use and kept for the life of the process.
 *  Thread safety: initialisation is thread-safe (a function-local static). */
const Library& default_library();

/** validate_template(doc, file, default_library()). */
ValidationResult validate_template(const nlohmann::json& doc, std::string_view file);

/** load_template_file(path, default_library()). */
Loaded<Template> load_template_file(const std::filesystem::path& path);

}  // namespace napc::agendas
