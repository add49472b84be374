// Rendering of validation issues and RFC 6901 pointer escaping.
#include <string>

#include <agendas/issue.hpp>

namespace napc::agendas {

std::string Issue::to_string() const {
  std::string out = file;
  out += ':';
  if (line > 0) {
    out += std::to_string(line);
    out += ':';
    out += std::to_string(column);
    out += ": ";
  } else {
    // The pointer of the whole document is "", which would read as "FILE:: …".
    out += pointer.empty() ? std::string(" ") : pointer + ": ";
  }
  out += message;
  return out;
}

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  out.reserve(token.size());
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace napc::agendas
