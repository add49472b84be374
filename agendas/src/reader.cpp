// Checked reading of JSON values: see reader.hpp.
#include "reader.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace napc::agendas::detail {
namespace {

bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool valid_ident(std::string_view text, IdStyle style) {
  if (text.empty() || text.size() > (style == IdStyle::key ? kMaxKeyLength : 64)) {
    return false;
  }
  if (text[0] < 'a' || text[0] > 'z') {
    return false;
  }
  const char sep = style == IdStyle::key ? '_' : '-';
  return std::all_of(text.begin(), text.end(), [sep](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == sep;
  });
}

}  // namespace

std::string join_pointer(std::string_view base, std::string_view token) {
  std::string out(base);
  out += '/';
  out += escape_pointer_token(std::string(token));
  return out;
}

std::string join_pointer(std::string_view base, std::size_t index) {
  std::string out(base);
  out += '/';
  out += std::to_string(index);
  return out;
}

std::string_view type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_float:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "a number";
    default:
      return "an unsupported value";
  }
}

std::string one_of(std::span<const std::string_view> names) {
  std::string out = "expected one of: ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += names[i];
  }
  return out;
}

void Ctx::error(std::string pointer, std::string message) {
  ++count_;
  if (count_ <= kMaxListedIssues) {
    issues_.push_back(Issue{file_, std::move(pointer), std::move(message), 0, 0});
    return;
  }
  const auto more = count_ - kMaxListedIssues;
  auto summary = "and " + std::to_string(more) + (more == 1 ? " more problem" : " more problems") +
                 " (only the first " + std::to_string(kMaxListedIssues) + " are listed)";
  if (more == 1) {
    issues_.push_back(Issue{file_, "", std::move(summary), 0, 0});
  } else {
    issues_.back().message = std::move(summary);
  }
}

Obj::Obj(Ctx& ctx, const json& value, std::string pointer,
         std::initializer_list<std::string_view> allowed)
    : ctx_(ctx), pointer_(std::move(pointer)), allowed_(allowed) {
  if (value.is_object()) {
    value_ = &value;
  } else {
    ctx_.error(pointer_, "must be an object, not " + std::string(type_name(value)));
  }
}

bool Obj::has(std::string_view key) const { return value_ != nullptr && value_->contains(key); }

const json* Obj::get(std::string_view key, Need need) {
  if (value_ == nullptr) {
    return nullptr;
  }
  const auto it = value_->find(key);
  if (it == value_->end()) {
    if (need == Need::required) {
      ctx_.error(pointer_, "missing required property '" + std::string(key) + "'");
    }
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Obj::text(std::string_view key, Need need) {
  const json* v = get(key, need);
  return v != nullptr ? read_text(ctx_, *v, at(key)) : std::nullopt;
}

std::optional<std::string> Obj::ident(std::string_view key, Need need, IdStyle style) {
  const json* v = get(key, need);
  return v != nullptr ? read_ident(ctx_, *v, at(key), style) : std::nullopt;
}

std::optional<Localized> Obj::localized(std::string_view key, Need need) {
  const json* v = get(key, need);
  return v != nullptr ? read_localized(ctx_, *v, at(key)) : std::nullopt;
}

std::optional<int> Obj::integer(std::string_view key, Need need, int min, int max) {
  const json* v = get(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  const auto range = [&] {
    return min == 1 && max == std::numeric_limits<int>::max()
               ? std::string("a positive integer")
               : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  };
  if (v->is_number_integer()) {
    // number_integer covers both signed and unsigned storage.
    if (v->is_number_unsigned()) {
      const auto u = v->get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(u) >= min) {
        return static_cast<int>(u);
      }
    } else {
      const auto s = v->get<std::int64_t>();
      if (s >= min && s <= max) {
        return static_cast<int>(s);
      }
    }
    ctx_.error(at(key), "must be " + range() + ", not " + v->dump());
    return std::nullopt;
  }
  // JSON Schema counts 30.0 as an integer; so do we.
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && std::floor(d) == d && d >= min && d <= max) {
      return static_cast<int>(d);
    }
  }
  ctx_.error(at(key), "must be " + range() + ", not " +
                          (v->is_number() ? v->dump() : std::string(type_name(*v))));
  return std::nullopt;
}

std::optional<bool> Obj::boolean(std::string_view key, Need need) {
  const json* v = get(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_boolean()) {
    ctx_.error(at(key), "must be true or false, not " + std::string(type_name(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

const json* Obj::array(std::string_view key, Need need, std::size_t min_items) {
  const json* v = get(key, need);
  if (v == nullptr) {
    return nullptr;
  }
  if (!v->is_array()) {
    ctx_.error(at(key), "must be an array, not " + std::string(type_name(*v)));
    return nullptr;
  }
  if (v->size() < min_items) {
    ctx_.error(at(key), "must have at least " + std::to_string(min_items) +
                            (min_items == 1 ? " element" : " elements") + ", has " +
                            std::to_string(v->size()));
    return nullptr;
  }
  if (v->size() > kMaxArrayElements) {
    // Not read further: its elements are not checked one by one.
    ctx_.error(at(key), "has " + std::to_string(v->size()) + " elements; at most " +
                            std::to_string(kMaxArrayElements) + " are allowed");
    return nullptr;
  }
  return v;
}

void Obj::finish() {
  if (value_ == nullptr) {
    return;
  }
  for (const auto& [key, unused] : value_->items()) {
    (void)unused;
    if (std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end()) {
      continue;
    }
    std::string message = "unknown property '" + key + "'";
    std::string_view best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto candidate : allowed_) {
      const auto d = edit_distance(key, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    if (!best.empty() && best_distance <= std::max<std::size_t>(2, key.size() / 4)) {
      message += " (did you mean '" + std::string(best) + "'?)";
    } else {
      message += "; " + one_of(std::span<const std::string_view>(allowed_));
    }
    ctx_.error(at(key), message);
  }
}

std::optional<std::string> read_text(Ctx& ctx, const json& value, const std::string& pointer) {
  if (!value.is_string()) {
    ctx.error(pointer, "must be a string, not " + std::string(type_name(value)));
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (blank(text)) {
    ctx.error(pointer, "must not be empty");
    return std::nullopt;
  }
  if (text.size() > kMaxTextLength) {
    ctx.error(pointer, "is " + std::to_string(text.size()) + " bytes long, over the limit of " +
                           std::to_string(kMaxTextLength));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> read_ident(Ctx& ctx, const json& value, const std::string& pointer,
                                      IdStyle style) {
  if (!value.is_string()) {
    ctx.error(pointer, "must be a string, not " + std::string(type_name(value)));
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  if (!valid_ident(text, style)) {
    ctx.error(pointer,
              "'" + text + "' is not a valid " + (style == IdStyle::key ? "key" : "id") +
                  ": use lower-case letters, digits and '" + (style == IdStyle::key ? "_" : "-") +
                  "', start with a letter, at most " +
                  std::to_string(style == IdStyle::key ? kMaxKeyLength : 64) + " characters");
    return std::nullopt;
  }
  return text;
}

std::optional<Localized> read_localized(Ctx& ctx, const json& value, const std::string& pointer) {
  Obj obj(ctx, value, pointer, {"en", "fr", "es"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Localized out;
  for (const auto lang : enum_names<Lang>()) {
    const json* v = obj.get(lang, Need::optional);
    if (v == nullptr) {
      ctx.error(pointer, "missing '" + std::string(lang) +
                             "' text (every text needs English, French and Spanish: en, fr, es)");
      continue;
    }
    if (auto text = read_text(ctx, *v, obj.at(lang))) {
      (lang == "en" ? out.en : lang == "fr" ? out.fr : out.es) = std::move(*text);
    }
  }
  obj.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return out;
}

std::vector<Localized> read_localized_list(Ctx& ctx, const json* array,
                                           const std::string& pointer) {
  std::vector<Localized> out;
  if (array == nullptr) {
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (auto text = read_localized(ctx, (*array)[i], join_pointer(pointer, i))) {
      out.push_back(std::move(*text));
    }
  }
  return out;
}

std::vector<std::string> read_text_list(Ctx& ctx, const json* array, const std::string& pointer) {
  std::vector<std::string> out;
  if (array == nullptr) {
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (auto text = read_text(ctx, (*array)[i], join_pointer(pointer, i))) {
      out.push_back(std::move(*text));
    }
  }
  return out;
}

bool UniqueKeys::add(Ctx& ctx, const std::string& key, const std::string& pointer) {
  const auto [it, inserted] = first_.emplace(key, pointer);
  if (!inserted) {
    ctx.error(pointer, "duplicate " + what_ + " '" + key + "' (first at " + it->second + ")");
  }
  return inserted;
}

std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  for (const std::size_t i : {0U, 1U, 3U, 4U}) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

}  // namespace napc::agendas::detail
