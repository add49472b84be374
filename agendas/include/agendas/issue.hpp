// Validation problems found in an agenda template, NAP outline or option-set file, and the
// limits applied to untrusted (uploaded) JSON.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace napc::agendas {

/// One problem with a file. Rendered as `FILE:/json/pointer: message`, or for syntax errors and
/// limit violations found while reading the text `FILE:LINE:COLUMN: message`.
struct Issue {
  std::string file;     ///< the file name given by the caller (may be a display name for uploads)
  std::string pointer;  ///< RFC 6901 JSON pointer to the offending value ("" = whole document)
  std::string message;  ///< what is wrong, in English, with the numbers involved
  int line = 0;         ///< 1-based, only for problems found in the text (0 otherwise)
  int column = 0;       ///< 1-based, in bytes

  /** @return the one-line rendering described above. */
  std::string to_string() const;
  friend bool operator==(const Issue&, const Issue&) = default;
};

/// The name the API brief uses for an Issue.
using ValidationError = Issue;

/// A file's problems are all counted, but at most this many are listed; then one more issue (with
/// the pointer "") says how many were not.
inline constexpr std::size_t kMaxListedIssues = 100;

/// Every problem found (validation does not stop at the first).
struct ValidationResult {
  std::vector<Issue> issues;

  bool ok() const { return issues.empty(); }
  explicit operator bool() const { return ok(); }
};

/// Caps applied before parsing. Uploads are hostile input: a template that exceeds them is
/// refused with a clear error and never parsed.
struct Limits {
  std::size_t max_bytes = std::size_t{256} * 1024;
  int max_depth = 32;  ///< nesting of arrays and objects; the document itself is depth 1
};

/** RFC 6901: escape one reference token ("~" → "~0", "/" → "~1"). */
std::string escape_pointer_token(const std::string& token);

}  // namespace napc::agendas
