// Exact clones of JSON.stringify, JSON.parse and Number.prototype.toString for crdt::Any.
// Yjs V1 stores Embed/Format/JSON content as JSON text and re-serializes it with JSON.stringify
// whenever it writes an update, so these must agree with V8 byte for byte.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "crdt/any.hpp"

namespace crdt {

// ECMAScript Number::toString(10): shortest round-trip digits, then one of four layouts
// depending on the decimal exponent.
std::string js_number_to_string(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (v == 0) {
    return "0";  // also -0
  }
  if (std::isinf(v)) {
    return v < 0 ? "-Infinity" : "Infinity";
  }
  char buf[64];
  const auto res =
      std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  // sci is "d[.ddd]e[+-]xx"
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (std::size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') {
      digits += sci[i];
    }
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // position of the decimal point relative to the digits
  std::string out = v < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1 >= 0) ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

void json_quote(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      // A generalized-UTF-8 surrogate (ED A0..BF xx) is a lone surrogate: JS escapes it.
      if (c == 0xed && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xa0) {
        const unsigned cu = 0xd000u | ((static_cast<unsigned char>(s[i + 1]) & 0x3fu) << 6) |
                            (static_cast<unsigned char>(s[i + 2]) & 0x3fu);
        out += "\\u";
        out += kHex[(cu >> 12) & 0xf];
        out += kHex[(cu >> 8) & 0xf];
        out += kHex[(cu >> 4) & 0xf];
        out += kHex[cu & 0xf];
        i += 3;
        continue;
      }
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    ++i;
  }
  out += '"';
}

namespace {

void stringify_value(const Any& value, std::string& out, const JsonOptions& opts);

void stringify_binary(const Bytes& b, std::string& out, const JsonOptions& opts) {
  if (opts.binary_as_array) {
    out += '[';
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      out += std::to_string(b[i]);
    }
    out += ']';
    return;
  }
  // JSON.stringify(Uint8Array) serializes the index properties as an object.
  out += '{';
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    out += std::to_string(i);
    out += "\":";
    out += std::to_string(b[i]);
  }
  out += '}';
}

void stringify_value(const Any& value, std::string& out, const JsonOptions& opts) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, Null>) {
          out += "null";  // undefined only reaches here inside arrays
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          out += std::isfinite(v) ? js_number_to_string(v) : "null";
        } else if constexpr (std::is_same_v<T, BigInt>) {
          throw Error(ErrorCode::malformed, "Do not know how to serialize a BigInt");
        } else if constexpr (std::is_same_v<T, std::string>) {
          json_quote(v, out);
        } else if constexpr (std::is_same_v<T, AnyArray>) {
          out += '[';
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) {
              out += ',';
            }
            stringify_value(v[i], out, opts);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, AnyObject>) {
          out += '{';
          bool first = true;
          for (const auto& [key, val] : v.entries()) {
            if (val.is_undefined()) {
              continue;
            }
            if (!first) {
              out += ',';
            }
            first = false;
            json_quote(key, out);
            out += ':';
            stringify_value(val, out, opts);
          }
          out += '}';
        } else {
          stringify_binary(v, out, opts);
        }
      },
      value.value());
}

// Recursive-descent JSON.parse (ECMA-262 JSON grammar: no comments, no trailing commas, only
// space/tab/LF/CR as whitespace).
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  Any parse() {
    skip_ws();
    Any v = value(0);
    skip_ws();
    if (pos_ != s_.size()) {
      fail("unexpected trailing characters");
    }
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw Error(ErrorCode::invalid_json, std::string(what) + " at offset " + std::to_string(pos_));
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume_literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) == lit) {
      pos_ += lit.size();
      return true;
    }
    return false;
  }

  Any value(int depth) {
    if (depth > kMaxAnyDepth) {
      throw Error(ErrorCode::too_deep, "JSON nesting deeper than " + std::to_string(kMaxAnyDepth));
    }
    if (pos_ >= s_.size()) {
      fail("unexpected end of JSON input");
    }
    const char c = s_[pos_];
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        if (consume_literal("true")) {
          return true;
        }
        break;
      case 'f':
        if (consume_literal("false")) {
          return false;
        }
        break;
      case 'n':
        if (consume_literal("null")) {
          return Null{};
        }
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
    }
    fail("unexpected token");
  }

  Any object(int depth) {
    ++pos_;  // '{'
    std::vector<AnyObject::Entry> entries;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return AnyObject{};
    }
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        fail("expected a property name");
      }
      std::string key = string();
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        fail("expected ':'");
      }
      ++pos_;
      skip_ws();
      Any v = value(depth + 1);
      entries.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        break;
      }
      fail("expected ',' or '}'");
    }
    return AnyObject::from_assignments(std::move(entries), /*drop_proto=*/false);
  }

  Any array(int depth) {
    ++pos_;  // '['
    AnyArray arr;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return arr;
    }
    while (true) {
      skip_ws();
      arr.push_back(value(depth + 1));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        break;
      }
      fail("expected ',' or ']'");
    }
    return arr;
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) {
      fail("bad unicode escape");
    }
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("bad unicode escape");
      }
    }
    return v;
  }

  static void append_code_point(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      // Lone surrogates land here too and become generalized UTF-8.
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) {
        fail("unterminated string");
      }
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) {
        fail("control character in string");
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) {
        fail("unterminated string");
      }
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cu = hex4();
          // A high surrogate escape directly followed by a low surrogate escape is one code
          // point in the JS string.
          if (cu >= 0xd800 && cu <= 0xdbff && s_.substr(pos_, 2) == "\\u") {
            const std::size_t save = pos_;
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cu = 0x10000 + ((cu - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              pos_ = save;
            }
          }
          append_code_point(out, cu);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  Any number() {
    const std::size_t start = pos_;
    if (s_[pos_] == '-') {
      ++pos_;
    }
    auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (!digit()) {
      fail("bad number");
    }
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) {
        ++pos_;
      }
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digit()) {
        fail("bad number");
      }
      while (digit()) {
        ++pos_;
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
        ++pos_;
      }
      if (!digit()) {
        fail("bad number");
      }
      while (digit()) {
        ++pos_;
      }
    }
    double d = 0;
    const auto res = std::from_chars(s_.data() + start, s_.data() + pos_, d);
    if (res.ec == std::errc::result_out_of_range) {
      // Overflow gives ±Infinity and underflow ±0 in JS; strtod rounds the same way.
      const std::string copy(s_.substr(start, pos_ - start));
      d = std::strtod(copy.c_str(), nullptr);
    }
    return d;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

bool json_stringify(const Any& value, std::string& out, JsonOptions opts) {
  if (value.is_undefined()) {
    return false;
  }
  stringify_value(value, out, opts);
  return true;
}

std::string json_stringify(const Any& value, JsonOptions opts) {
  std::string out;
  stringify_value(value, out, opts);
  return out;
}

Any json_parse(std::string_view text) {
  if (!lib0::is_valid_utf8(text)) {
    throw Error(ErrorCode::invalid_utf8, "JSON text is not valid UTF-8");
  }
  return JsonParser(text).parse();
}

}  // namespace crdt
