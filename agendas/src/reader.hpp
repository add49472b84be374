// Checked reading of JSON values into the model: every problem becomes an Issue with the JSON
// pointer of the offending value, and reading carries on so that all problems are reported.
// The rules mirror agendas/schema/*.schema.json; tests/unit/agendas checks that both agree.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <agendas/issue.hpp>
#include <agendas/model.hpp>

#include "enums.hpp"

namespace napc::agendas::detail {

using nlohmann::json;

/** `base` + "/" + escaped `token`. */
std::string join_pointer(std::string_view base, std::string_view token);
std::string join_pointer(std::string_view base, std::size_t index);

/** The JSON type name used in messages ("object", "string", "number", …). */
std::string_view type_name(const json& value);

/// Collects issues for one file. Every problem is counted, but only the first kMaxListedIssues
/// are kept, followed by one line saying how many more there are: an upload made of many small
/// mistakes costs a bounded answer, not one line per mistake (issue #10).
class Ctx {
 public:
  Ctx(std::string_view file, std::vector<Issue>& issues) : file_(file), issues_(issues) {}

  void error(std::string pointer, std::string message);
  /// Problems found so far, listed or not.
  std::size_t error_count() const { return count_; }
  std::string_view file() const { return file_; }

 private:
  std::string file_;
  std::vector<Issue>& issues_;
  std::size_t count_ = 0;
};

enum class Need { required, optional };

/// Identifier styles. Keys (sections, items, groups, polls, options) are snake_case and end up
/// in URLs and exports; ids (templates, outlines, option files) are kebab-case file names.
enum class IdStyle { key, id };

inline constexpr std::size_t kMaxKeyLength = 48;
inline constexpr std::size_t kMaxTextLength = 4000;
/// Every list in a file (items, sections, options, questions…) has at most this many elements;
/// the largest shipped template has 55 items in all. A longer list is one issue, and its elements
/// are not validated one by one: an upload of 85,000 empty items costs one line, not 340,000.
inline constexpr std::size_t kMaxArrayElements = 500;

/// Reads one JSON object. Properties not in `allowed` are reported as unknown by finish()
/// (with a "did you mean" when one is close), so typos don't pass silently.
class Obj {
 public:
  Obj(Ctx& ctx, const json& value, std::string pointer,
      std::initializer_list<std::string_view> allowed);

  /** false when the value was not an object (already reported); all reads then return empty. */
  bool ok() const { return value_ != nullptr; }
  const std::string& pointer() const { return pointer_; }
  std::string at(std::string_view key) const { return join_pointer(pointer_, key); }
  bool has(std::string_view key) const;

  /** The property, or nullptr when absent (reported if required). */
  const json* get(std::string_view key, Need need);

  std::optional<std::string> text(std::string_view key, Need need);
  std::optional<std::string> ident(std::string_view key, Need need, IdStyle style);
  std::optional<Localized> localized(std::string_view key, Need need);
  std::optional<int> integer(std::string_view key, Need need, int min, int max);
  std::optional<bool> boolean(std::string_view key, Need need);
  /** An array with at least `min_items` elements, or nullptr (reported). */
  const json* array(std::string_view key, Need need, std::size_t min_items);

  template <typename E>
  std::optional<E> choice(std::string_view key, Need need, std::string_view what);

  /** Report unknown properties. */
  void finish();

 private:
  Ctx& ctx_;
  const json* value_ = nullptr;
  std::string pointer_;
  std::vector<std::string_view> allowed_;  // string literals: static storage
};

std::optional<std::string> read_text(Ctx& ctx, const json& value, const std::string& pointer);
std::optional<std::string> read_ident(Ctx& ctx, const json& value, const std::string& pointer,
                                      IdStyle style);
std::optional<Localized> read_localized(Ctx& ctx, const json& value, const std::string& pointer);
/** Elements of an array of localized texts (e.g. guiding questions). */
std::vector<Localized> read_localized_list(Ctx& ctx, const json* array, const std::string& pointer);
std::vector<std::string> read_text_list(Ctx& ctx, const json* array, const std::string& pointer);

/** "expected one of: a, b, c". */
std::string one_of(std::span<const std::string_view> names);

template <typename E>
std::optional<E> read_enum(Ctx& ctx, const json& value, const std::string& pointer,
                           std::string_view what) {
  if (!value.is_string()) {
    ctx.error(pointer,
              "must be a string (" + std::string(what) + "), not " + std::string(type_name(value)));
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (auto parsed = enum_from<E>(text)) {
    return parsed;
  }
  ctx.error(pointer,
            "'" + text + "' is not a valid " + std::string(what) + "; " + one_of(enum_names<E>()));
  return std::nullopt;
}

template <typename E>
std::optional<E> Obj::choice(std::string_view key, Need need, std::string_view what) {
  const json* v = get(key, need);
  return v != nullptr ? read_enum<E>(ctx_, *v, at(key), what) : std::nullopt;
}

/** Elements of an array of enum values, each reported if invalid; duplicates are reported. */
template <typename E>
std::vector<E> read_enum_list(Ctx& ctx, const json* array, const std::string& pointer,
                              std::string_view what) {
  std::vector<E> out;
  if (array == nullptr) {
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto p = join_pointer(pointer, i);
    if (auto v = read_enum<E>(ctx, (*array)[i], p, what)) {
      bool dup = false;
      for (const E seen : out) {
        dup = dup || seen == *v;
      }
      if (dup) {
        ctx.error(p, "duplicate " + std::string(what) + " '" + std::string(enum_name(*v)) + "'");
      } else {
        out.push_back(*v);
      }
    }
  }
  return out;
}

/// Remembers where each key was first seen, to report duplicates with both places.
class UniqueKeys {
 public:
  explicit UniqueKeys(std::string what) : what_(std::move(what)) {}
  /** @return false (and reports at `pointer`) when `key` was seen before. */
  bool add(Ctx& ctx, const std::string& key, const std::string& pointer);
  bool contains(const std::string& key) const { return first_.count(key) != 0; }

 private:
  std::string what_;
  std::map<std::string, std::string> first_;
};

/** Parse "HH:MM" into minutes after midnight. */
std::optional<int> parse_clock(std::string_view text);

}  // namespace napc::agendas::detail
