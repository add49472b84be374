// Reading untrusted JSON text: size and nesting-depth caps, duplicate-key detection, syntax errors
// with line and column. Nothing is parsed into a DOM until the text has passed these checks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <agendas/issue.hpp>

namespace napc::agendas::detail {

/**
 * Parse `text` under `limits`. On failure appends issues (file = `file`) and returns nullopt.
 * Checks, in order: size; syntax (line/column), nesting depth and duplicate keys (JSON
 * pointer), all in one SAX pass so a hostile document is never materialised.
 */
std::optional<nlohmann::json> parse_json(std::string_view text, std::string_view file,
                                         const Limits& limits, std::vector<Issue>& issues);

/** Read a file of at most limits.max_bytes bytes; appends an issue and returns nullopt when it
 *  cannot be read or is too large (the file is not read past the cap). */
std::optional<std::string> read_file(const std::filesystem::path& path, std::string_view file,
                                     const Limits& limits, std::vector<Issue>& issues);

/** 1-based line and column (in bytes) of byte `offset` of `text`. */
std::pair<int, int> line_column(std::string_view text, std::size_t offset);

}  // namespace napc::agendas::detail
