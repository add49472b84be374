// The log's formatter and its process-wide sink (log/log.hpp): formatting happens on the
// calling thread, only the hand-over of a whole line to the sink is serialised.
#include "log/log.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace napc::log {
namespace {

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
bool is_code_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Length of an invitation code (XXXXX-XXXXX) at `text[i]`, or 0.
std::size_t code_at(std::string_view text, std::size_t i) {
  constexpr std::size_t kHalf = 5;
  if (text.size() - i < 2 * kHalf + 1) return 0;
  for (std::size_t k = 0; k < 2 * kHalf + 1; ++k) {
    const char c = text[i + k];
    if (k == kHalf ? c != '-' : !is_code_char(c)) return 0;
  }
  const std::size_t end = i + 2 * kHalf + 1;
  if (end < text.size() && is_code_char(text[end])) return 0;
  return 2 * kHalf + 1;
}

// Defence in depth behind the type rules: a run that looks like a bearer token (43 or more
// base64url characters) or an invitation code never reaches the sink.
std::string redact(std::string_view text) {
  constexpr std::size_t kTokenChars = 43;
  constexpr std::string_view kRedacted = "[redacted]";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_base64url(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_base64url(text[end])) ++end;
    if (end - i >= kTokenChars) {
      out += kRedacted;
    } else {
      // Codes are made of base64url characters too: look for one inside the run.
      for (std::size_t k = i; k < end;) {
        const std::size_t n = (k == i || !is_code_char(text[k - 1])) ? code_at(text, k) : 0;
        if (n != 0) {
          out += kRedacted;
          k += n;
        } else {
          out += text[k++];
        }
      }
    }
    i = end;
  }
  return out;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '"' || c == '\\' || c == '=') return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view raw) {
  std::string value = redact(raw);
  if (value.size() > kMaxValueBytes) {
    value.resize(kMaxValueBytes);
    value += "...";
  }
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          constexpr std::string_view kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <typename T>
void append_number(std::string& out, T value) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), r.ptr);
}

void append_duration(std::string& out, std::int64_t ns) {
  if (ns < 0) {
    out += '-';
    ns = -ns;
  }
  append_number(out, ns / 1'000'000);
  if (auto frac = static_cast<int>(ns % 1'000'000 / 1'000); frac != 0) {
    std::array<char, 4> digits{};
    std::snprintf(digits.data(), digits.size(), "%03d", frac);
    std::string_view d(digits.data(), 3);
    while (d.back() == '0') d.remove_suffix(1);
    out += '.';
    out += d;
  }
  out += "ms";
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  auto secs = static_cast<std::time_t>(ms.count() / 1000);
  auto millis = static_cast<int>(ms.count() % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, millis);
  out.append(buf.data(), static_cast<std::size_t>(n));
}

class StderrSink final : public Sink {
 public:
  void write(std::string_view line) override {
    // stderr is unbuffered: the line goes to the kernel in one write where it fits.
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
};

struct State {
  std::mutex mutex;
  std::shared_ptr<Sink> sink = std::make_shared<StderrSink>();
  std::atomic<Level> threshold{Level::info};
};

State& state() {
  static State s;  // never destroyed before the last line: function-local, first use
  return s;
}

}  // namespace

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "error";
}

std::optional<Level> parse_level(std::string_view text) {
  for (const auto l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == to_string(l)) return l;
  }
  return std::nullopt;
}

Field::Field(Name key, const std::error_code& ec) : key_(key), kind_(Kind::owned_text) {
  owned_ = ec.category().name();
  owned_ += ':';
  owned_ += std::to_string(ec.value());
  owned_ += ' ';
  owned_ += ec.message();
}

void Field::append_to(std::string& out) const {
  out += key_.view();
  out += '=';
  switch (kind_) {
    case Kind::text:
      append_value(out, text_);
      break;
    case Kind::owned_text:
      append_value(out, owned_);
      break;
    case Kind::signed_int:
      append_number(out, i_);
      break;
    case Kind::unsigned_int:
      append_number(out, u_);
      break;
    case Kind::boolean:
      out += u_ != 0 ? "true" : "false";
      break;
    case Kind::real: {
      std::array<char, 32> buf{};
      const int n = std::snprintf(buf.data(), buf.size(), "%.6g", d_);
      out.append(buf.data(), static_cast<std::size_t>(n));
      break;
    }
    case Kind::duration:
      append_duration(out, i_);
      break;
  }
}

void set_sink(std::shared_ptr<Sink> sink) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.sink = sink ? std::move(sink) : std::make_shared<StderrSink>();
}

void set_level(Level threshold) { state().threshold.store(threshold, std::memory_order_relaxed); }
Level level() { return state().threshold.load(std::memory_order_relaxed); }
bool enabled(Level l) { return l >= level(); }

std::string format_line(std::chrono::system_clock::time_point at, Level level, Name event,
                        std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(96);
  line += "ts=";
  append_timestamp(line, at);
  line += " level=";
  line += to_string(level);
  line += " event=";
  line += event.view();
  for (const auto& f : fields) {
    line += ' ';
    f.append_to(line);
  }
  line += '\n';
  return line;
}

void write(Level l, Name event, std::initializer_list<Field> fields) {
  if (!enabled(l)) return;
  const auto line = format_line(std::chrono::system_clock::now(), l, event, fields);
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.sink->write(line);
}

void AnonymousLog::write(Level l, Name event, std::initializer_list<AnonymousField> fields) {
  if (!enabled(l)) return;
  // Rebuilt as ordinary fields: only counts and durations can get here.
  std::string line;
  const auto at = std::chrono::system_clock::now();
  line = format_line(at, l, event, {});
  line.pop_back();  // the '\n'
  for (const auto& f : fields) {
    line += ' ';
    if (f.is_duration) {
      Field(f.key.name(), f.took).append_to(line);
    } else {
      Field(f.key.name(), f.count).append_to(line);
    }
  }
  line += '\n';
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.sink->write(line);
}

}  // namespace napc::log
