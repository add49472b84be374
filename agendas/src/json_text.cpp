// Reading untrusted JSON text: caps, duplicate keys, syntax errors with line/column.
#include "json_text.hpp"

#include <charconv>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <utility>

namespace napc::agendas::detail {
namespace {

using nlohmann::json;

// SAX pass over the text. Tracks the JSON pointer of the current value so that depth and
// duplicate-key problems point at the value concerned; stops at the first depth violation
// (going deeper is what a hostile document wants) but collects every duplicate key.
class Scanner {
 public:
  Scanner(std::string_view file, const Limits& limits, std::vector<Issue>& issues)
      : file_(file), limits_(limits), issues_(issues) {}

  bool null() { return value(); }
  bool boolean(bool /*unused*/) { return value(); }
  bool number_integer(json::number_integer_t /*unused*/) { return value(); }
  bool number_unsigned(json::number_unsigned_t /*unused*/) { return value(); }
  bool number_float(json::number_float_t /*unused*/, const json::string_t& /*unused*/) {
    return value();
  }
  bool string(json::string_t& /*unused*/) { return value(); }
  bool binary(json::binary_t& /*unused*/) { return value(); }

  bool start_object(std::size_t /*unused*/) { return open(true); }
  bool start_array(std::size_t /*unused*/) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& key) {
    Frame& frame = frames_.back();
    frame.key = key;
    if (!frame.seen.insert(key).second) {
      issues_.push_back({std::string(file_), pointer(),
                         "duplicate property '" + key +
                             "' (JSON allows it, but only the last "
                             "value would be kept)",
                         0, 0});
    }
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line L, column C:
    // <what>". Keep its line/column (it counts them itself) and the <what>.
    std::string what = ex.what();
    int line = 0;
    int column = 0;
    if (const auto at = what.find("at line "); at != std::string::npos) {
      const char* p = what.data() + at + 8;
      const char* end = what.data() + what.size();
      auto r = std::from_chars(p, end, line);
      if (r.ec == std::errc{} &&
          std::string_view(r.ptr, static_cast<std::size_t>(end - r.ptr)).starts_with(", column ")) {
        std::from_chars(r.ptr + 9, end, column);
      }
    }
    if (const auto colon = what.find(": ", what.find("parse error")); colon != std::string::npos) {
      what = what.substr(colon + 2);
    }
    issues_.push_back({std::string(file_), "", "invalid JSON: " + what, line > 0 ? line : 1,
                       column > 0 ? column : 1});
    return false;
  }

 private:
  struct Frame {
    bool object = false;
    std::size_t count = 0;    // values seen so far (arrays)
    std::size_t current = 0;  // index of the current value (arrays)
    std::string key;          // current key (objects)
    std::set<std::string> seen;
  };

  // Called for every value, before it is opened: advances the array index.
  void enter_value() {
    if (!frames_.empty() && !frames_.back().object) {
      frames_.back().current = frames_.back().count++;
    }
  }

  bool value() {
    enter_value();
    return true;
  }

  bool open(bool object) {
    enter_value();
    const auto depth = frames_.size() + 1;
    if (depth > static_cast<std::size_t>(limits_.max_depth)) {
      issues_.push_back(
          {std::string(file_), pointer(),
           "nesting is deeper than the limit of " + std::to_string(limits_.max_depth) + " levels",
           0, 0});
      return false;
    }
    frames_.push_back(Frame{object, 0, 0, {}, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string pointer() const {
    std::string out;
    for (const Frame& frame : frames_) {
      out += '/';
      out += frame.object ? escape_pointer_token(frame.key) : std::to_string(frame.current);
    }
    return out;
  }

  std::string_view file_;
  const Limits& limits_;
  std::vector<Issue>& issues_;
  std::vector<Frame> frames_;
};

}  // namespace

std::pair<int, int> line_column(std::string_view text, std::size_t offset) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

std::optional<json> parse_json(std::string_view text, std::string_view file, const Limits& limits,
                               std::vector<Issue>& issues) {
  if (text.size() > limits.max_bytes) {
    issues.push_back({std::string(file), "",
                      "file is " + std::to_string(text.size()) + " bytes, over the limit of " +
                          std::to_string(limits.max_bytes) + " bytes",
                      0, 0});
    return std::nullopt;
  }
  const auto before = issues.size();
  Scanner scanner(file, limits, issues);
  const bool ok = json::sax_parse(text, &scanner);
  if (!ok || issues.size() != before) {
    return std::nullopt;
  }
  // The text is known to be well-formed and within limits; parse without exceptions anyway.
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    issues.push_back({std::string(file), "", "invalid JSON", 1, 1});
    return std::nullopt;
  }
  return doc;
}

std::optional<std::string> read_file(const std::filesystem::path& path, std::string_view file,
                                     const Limits& limits, std::vector<Issue>& issues) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    issues.push_back({std::string(file), "", "cannot read file: " + ec.message(), 0, 0});
    return std::nullopt;
  }
  if (size > limits.max_bytes) {
    issues.push_back({std::string(file), "",
                      "file is " + std::to_string(size) + " bytes, over the limit of " +
                          std::to_string(limits.max_bytes) + " bytes",
                      0, 0});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    issues.push_back({std::string(file), "", "cannot open file", 0, 0});
    return std::nullopt;
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace napc::agendas::detail
