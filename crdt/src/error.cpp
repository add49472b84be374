// crdt::Error and the names of its codes.
#include "crdt/error.hpp"

namespace crdt {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::end_of_buffer:
      return "end_of_buffer";
    case ErrorCode::integer_overflow:
      return "integer_overflow";
    case ErrorCode::invalid_utf8:
      return "invalid_utf8";
    case ErrorCode::unknown_any_tag:
      return "unknown_any_tag";
    case ErrorCode::unknown_content_ref:
      return "unknown_content_ref";
    case ErrorCode::unknown_type_ref:
      return "unknown_type_ref";
    case ErrorCode::zero_length:
      return "zero_length";
    case ErrorCode::malformed:
      return "malformed";
    case ErrorCode::too_deep:
      return "too_deep";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::invalid_json:
      return "invalid_json";
    case ErrorCode::unknown_message_type:
      return "unknown_message_type";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& what)
    : std::runtime_error(std::string(to_string(code)) + ": " + what), code_(code) {}

}  // namespace crdt
