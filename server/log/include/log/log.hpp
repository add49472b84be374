#pragma once
// The server's log: one structured line per event, written through one process-wide sink.
//
//   ts=2025-01-31T09:15:02.481Z level=warn event=storage_task_failed error="disk I/O error"
//
// Line format (DO NOT CHANGE without updating docs/architecture.md, "Logging"):
//   ts     RFC 3339 UTC with milliseconds, then `level`, then `event` (a snake_case name), then
//          the fields in the order given, each `key=value`. Keys are snake_case literals checked
//          at compile time. A value is written bare when it is non-empty and holds no space,
//          quote, backslash, `=` or control character; otherwise it is quoted, with `\"`, `\\`,
//          `\n`, `\r`, `\t` and `\xHH` escapes, so a newline can never split a line. Text
//          values are cut at kMaxValueBytes.
//
// Policy (design §6 and §10) — what may be logged:
//   - Events and their facts: names of documents and consultations, counts, sizes, durations,
//     error codes and messages, addresses of listeners.
//   - NEVER a token or an invitation code. A type that declares `static constexpr bool
//     kNeverLogged = true` (consult::Token, the form in which the server holds a token it was
//     given) cannot be made into a Field: that constructor is deleted. As a second line of
//     defence every text value is scanned and a run shaped like a token (43 base64url
//     characters) or an invitation code (XXXXX-XXXXX) is replaced by `[redacted]`.
//   - NEVER a request target or query string (`?token=` travels in them), nor a header value.
//   - NEVER an author (participant, name, organisation, constituency, address) next to
//     anonymous content. Modules that handle anonymous input log through AnonymousLog, which
//     has no text fields and refuses identifying keys at compile time.
//
// Thread safety: every function here may be called from any thread. A line is formatted by the
// calling thread and handed to the sink whole, under one mutex, so lines never interleave.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace napc::log {

enum class Level : std::uint8_t { debug, info, warn, error };

std::string_view to_string(Level level);
// "debug", "info", "warn" or "error"; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);

// Longest text value written; longer ones end in "...".
inline constexpr std::size_t kMaxValueBytes = 1024;

namespace detail {
consteval bool is_snake_case(std::string_view s) {
  if (s.empty() || s.front() < 'a' || s.front() > 'z' || s.back() == '_') return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}
// Calling this in a constant expression is a compile error: the name is not snake_case.
void name_must_be_a_snake_case_literal();
}  // namespace detail

// An event name or a field key: a string literal in snake_case, checked at compile time, so a
// name can never come from the network.
class Name {
 public:
  template <std::size_t N>
  consteval Name(const char (&literal)[N]) : text_(literal, N - 1) {  // NOLINT: implicit
    if (!detail::is_snake_case(text_)) detail::name_must_be_a_snake_case_literal();
  }
  constexpr std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

// A type whose values must never reach a log line declares `static constexpr bool
// kNeverLogged = true;`.
template <typename T>
concept NeverLogged = requires {
  requires std::remove_cvref_t<T>::kNeverLogged;
};

/**
 * One `key=value` of a line. A Field is a view: it refers to the text it was given, so build it
 * in the call that logs it (`log::warn("x", {{"error", e.what()}})`) and do not keep it.
 */
class Field {
 public:
  enum class Kind : std::uint8_t {
    text,
    owned_text,
    signed_int,
    unsigned_int,
    boolean,
    real,
    duration
  };

  Field(Name key, std::string_view value) : key_(key), kind_(Kind::text), text_(value) {}
  Field(Name key, const char* value) : Field(key, std::string_view(value)) {}
  Field(Name key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(Name key, bool value) : key_(key), kind_(Kind::boolean), u_(value ? 1 : 0) {}
  template <std::signed_integral I>
  Field(Name key, I value)
      : key_(key), kind_(Kind::signed_int), i_(static_cast<std::int64_t>(value)) {}
  template <std::unsigned_integral U>
  requires(!std::same_as<U, bool>) Field(Name key, U value)
      : key_(key), kind_(Kind::unsigned_int), u_(static_cast<std::uint64_t>(value)) {}
  Field(Name key, double value) : key_(key), kind_(Kind::real), d_(value) {}
  // Written in milliseconds with up to three decimals: `took=12.5ms`.
  template <typename Rep, typename Period>
  Field(Name key, std::chrono::duration<Rep, Period> value)
      : key_(key),
        kind_(Kind::duration),
        i_(std::chrono::duration_cast<std::chrono::nanoseconds>(value).count()) {}
  // `error="system:104 Connection reset by peer"`.
  Field(Name key, const std::error_code& ec);
  Field(Name key, const std::exception& e) : Field(key, std::string_view(e.what())) {}

  // Tokens (and anything else marked kNeverLogged) are not representable as a field.
  template <NeverLogged T>
  Field(Name key, const T& secret) = delete;

  std::string_view key() const { return key_.view(); }
  Kind kind() const { return kind_; }
  // Appends `key=value` (without a separator) to `out`.
  void append_to(std::string& out) const;

 private:
  Name key_;
  Kind kind_;
  std::string_view text_;
  std::string owned_;
  std::int64_t i_ = 0;
  std::uint64_t u_ = 0;
  double d_ = 0;
};

// Where lines go. write() receives one whole line, '\n' included, and is called under the
// log's mutex (never concurrently); it must not log.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(std::string_view line) = 0;
};

// The process-wide sink; nullptr restores the default (stderr, one write(2) per line).
void set_sink(std::shared_ptr<Sink> sink);
// Lines below `threshold` are dropped before they are formatted. Default: info.
void set_level(Level threshold);
Level level();
bool enabled(Level level);

// The line for an event at `at`, '\n' included. Exposed for tests; use write() to log.
std::string format_line(std::chrono::system_clock::time_point at, Level level, Name event,
                        std::initializer_list<Field> fields);

// Formats and writes one line if `level` passes the threshold.
void write(Level level, Name event, std::initializer_list<Field> fields = {});

inline void debug(Name event, std::initializer_list<Field> fields = {}) {
  write(Level::debug, event, fields);
}
inline void info(Name event, std::initializer_list<Field> fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(Name event, std::initializer_list<Field> fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(Name event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

namespace detail {
consteval bool identifies_someone(std::string_view key) {
  for (const std::string_view banned :
       {"participant", "author", "name", "display_name", "organisation", "constituency", "role",
        "address", "peer", "ip", "user", "token", "code", "invitation", "session", "connection"}) {
    const auto n = banned.size();
    if (key == banned) return true;
    if (key.size() > n && key.substr(0, n) == banned && key[n] == '_') return true;
    if (key.size() > n && key.substr(key.size() - n) == banned && key[key.size() - n - 1] == '_') {
      return true;
    }
  }
  return false;
}
void anonymous_log_may_not_carry_an_identifying_key();
}  // namespace detail

// A key AnonymousLog accepts: snake_case, and not one that names or locates a person.
class AnonymousKey {
 public:
  template <std::size_t N>
  consteval AnonymousKey(const char (&literal)[N]) : name_(literal) {  // NOLINT: implicit
    if (detail::identifies_someone(name_.view())) {
      detail::anonymous_log_may_not_carry_an_identifying_key();
    }
  }
  constexpr Name name() const { return name_; }

 private:
  Name name_;
};

// A fact about anonymous input: a count or a duration, never text (text could be the content
// or its author's name).
struct AnonymousField {
  template <std::integral I>
  requires(!std::same_as<I, bool>) AnonymousField(AnonymousKey k, I v)
      : key(k), count(static_cast<std::uint64_t>(v)) {}
  template <typename Rep, typename Period>
  AnonymousField(AnonymousKey k, std::chrono::duration<Rep, Period> v)
      : key(k), took(std::chrono::duration_cast<std::chrono::nanoseconds>(v)), is_duration(true) {}

  AnonymousKey key;
  std::uint64_t count = 0;
  std::chrono::nanoseconds took{0};
  bool is_duration = false;
};

/**
 * The only logger for modules that handle anonymous input (anonymous comments, secret
 * ballots). It has no participant, author or text field, and it is meant for batch-level
 * events ("released 12 comments"), never one line per anonymous item: the time of a line next
 * to an attributed line (a join, a connection) could tell who wrote what.
 */
class AnonymousLog {
 public:
  static void write(Level level, Name event, std::initializer_list<AnonymousField> fields = {});
};

}  // namespace napc::log
