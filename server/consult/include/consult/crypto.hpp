#pragma once
// Secrets: random bytes from the OS CSPRNG (OpenSSL RAND_bytes), SHA-256, base64url.
// Bearer tokens are 32 random bytes, given to the client as 43 base64url characters and stored
// only as their SHA-256 (design §10). Tokens are never logged.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace napc::consult {

using Sha256 = std::array<std::uint8_t, 32>;

// Throws std::runtime_error if the CSPRNG fails (never silently weak).
std::vector<std::uint8_t> random_bytes(std::size_t n);
Sha256 sha256(std::span<const std::uint8_t> data);
Sha256 sha256(std::string_view text);
// RFC 4648 §5 without padding.
std::string base64url(std::span<const std::uint8_t> data);

// A bearer token the server was given (an Authorization header, a `?token=` parameter), from
// where it is read to the lookup. It converts to no string, and the log refuses it
// (kNeverLogged, log/log.hpp): a token held in this type cannot reach a log line.
class Token {
 public:
  static constexpr bool kNeverLogged = true;

  explicit Token(std::string value) : value_(std::move(value)) {}
  // The characters, for authenticate() alone (which only hashes them).
  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

// A fresh bearer token (43 characters).
std::string new_token();
// True when `token` has the shape new_token() produces; cheap pre-check before any lookup.
bool plausible_token(std::string_view token);

// `n` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias).
std::string random_string(std::size_t n, std::string_view alphabet);

}  // namespace napc::consult
