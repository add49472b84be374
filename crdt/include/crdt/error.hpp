// Error type thrown by the crdt library for malformed input (hostile bytes, invalid JSON, ...).
// Every decoder failure is reported with a typed ErrorCode so callers can count and log causes.
#pragma once

#include <stdexcept>
#include <string>

namespace crdt {

// DO NOT CHANGE the order: callers may persist or log the numeric values.
enum class ErrorCode {
  end_of_buffer,         // a read ran past the end of the input
  integer_overflow,      // a varUint/varInt above 2^53-1 (JS Number.MAX_SAFE_INTEGER)
  invalid_utf8,          // a varString that is not strict UTF-8 (JS TextDecoder fatal:true)
  unknown_any_tag,       // lib0 Any tag outside 116..127
  unknown_content_ref,   // Item content ref outside 1..9
  unknown_type_ref,      // ContentType typeRef outside 0..6
  zero_length,           // a GC / Skip / Item of length 0
  malformed,             // structurally invalid data (flagged GC/Skip, bad references, ...)
  too_deep,              // nesting above the recursion cap (Any / JSON)
  too_large,             // a count or size the implementation refuses to hold
  invalid_json,          // JSON text that JSON.parse would reject
  unknown_message_type,  // y-protocols message type outside the known set
};

const char* to_string(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what);
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace crdt
