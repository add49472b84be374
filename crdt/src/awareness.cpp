// Port of y-protocols 1.0.7 awareness.js: encodeAwarenessUpdate (:194-207), applyAwarenessUpdate
// (:241-295), removeAwarenessStates (:170-186) and the outdated-state check (:59-77).
#include "crdt/awareness.hpp"

#include <algorithm>

namespace crdt::awareness {
namespace {

// Ids seen without a state are remembered (their clock) like awareness.js's meta map; past this
// many, the forgotten ones are dropped so that a peer cannot grow the map without bound.
constexpr std::size_t kMaxMeta = 100000;

// A recursive-descent JSON validator over UTF-8 bytes. It builds nothing.
class JsonValidator {
 public:
  JsonValidator(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  bool run(bool* is_null) {
    skip_ws();
    const std::size_t start = pos_;
    if (!value(0)) return false;
    const std::size_t end = pos_;
    skip_ws();
    if (pos_ != s_.size()) return false;
    if (is_null != nullptr) *is_null = s_.substr(start, end - start) == "null";
    return true;
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool value(int depth) {
    if (at_end()) return false;
    switch (peek()) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(int depth) {
    if (depth > max_depth_) return false;
    ++pos_;  // '{'
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"' || !string()) return false;
      skip_ws();
      if (at_end() || peek() != ':') return false;
      ++pos_;
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (at_end()) return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  bool array(int depth) {
    if (depth > max_depth_) return false;
    ++pos_;  // '['
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (at_end()) return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool string() {
    ++pos_;  // '"'
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c == '\\') {
        ++pos_;
        if (at_end()) return false;
        const char e = peek();
        ++pos_;
        switch (e) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            break;
          case 'u':
            // JSON.parse accepts lone surrogate escapes; so do we.
            for (int i = 0; i < 4; ++i, ++pos_) {
              if (at_end() || !hex(peek())) return false;
            }
            break;
          default:
            return false;
        }
        continue;
      }
      ++pos_;  // UTF-8 validity is checked for the whole text up front
    }
    return false;
  }

  bool digits() {
    const std::size_t start = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    if (!at_end() && peek() == '-') ++pos_;
    if (at_end()) return false;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      return false;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digits()) return false;
    }
    return true;
  }

  std::string_view s_;
  int max_depth_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_valid_json(std::string_view text, bool* is_null, int max_depth) {
  if (!lib0::is_valid_utf8(text)) return false;
  return JsonValidator(text, max_depth).run(is_null);
}

std::vector<Entry> decode_update(ByteView update) {
  lib0::Decoder dec(update);
  const std::uint64_t n = dec.read_var_uint();
  // Each entry takes at least 3 bytes (id, clock, empty string is invalid JSON anyway).
  if (n > dec.remaining() / 3) throw Error(ErrorCode::malformed, "awareness: count too large");
  std::vector<Entry> entries;
  entries.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    Entry e;
    e.client_id = dec.read_var_uint();
    e.clock = dec.read_var_uint();
    const std::string_view json = dec.read_var_string();  // throws invalid_utf8
    if (!is_valid_json(json)) throw Error(ErrorCode::invalid_json, "awareness: invalid JSON state");
    e.json = std::string(json);
    entries.push_back(std::move(e));
  }
  if (!dec.done()) throw Error(ErrorCode::malformed, "awareness: trailing bytes");
  return entries;
}

Bytes encode_update(std::span<const Entry> entries) {
  lib0::Encoder enc;
  enc.write_var_uint(entries.size());
  for (const auto& e : entries) {
    enc.write_var_uint(e.client_id);
    enc.write_var_uint(e.clock);
    enc.write_var_string(e.json);
  }
  return enc.take();
}

std::vector<std::uint64_t> Changes::all() const {
  std::vector<std::uint64_t> out;
  out.reserve(added.size() + updated.size() + removed.size());
  out.insert(out.end(), added.begin(), added.end());
  out.insert(out.end(), updated.begin(), updated.end());
  out.insert(out.end(), removed.begin(), removed.end());
  return out;
}

Changes Awareness::apply_update(ByteView update, std::int64_t now_ms) {
  const auto entries = decode_update(update);
  return apply_entries(entries, now_ms);
}

Changes Awareness::apply_entries(std::span<const Entry> entries, std::int64_t now_ms) {
  Changes changes;
  for (const auto& e : entries) {
    bool is_null = false;
    is_valid_json(e.json, &is_null);
    const auto it = meta_.find(e.client_id);
    const bool had_meta = it != meta_.end();
    const std::uint64_t curr_clock = had_meta ? it->second.clock : 0;
    const bool has_state = had_meta && it->second.json.has_value();
    // `currClock < clock` exactly: a first state at clock 0 is ignored (awareness.js:258).
    if (!(curr_clock < e.clock || (curr_clock == e.clock && is_null && has_state))) continue;

    std::uint64_t clock = e.clock;
    auto& st = meta_[e.client_id];
    const std::optional<std::string> previous = st.json;
    if (is_null) {
      if (e.client_id == local_client_id_ && st.json.has_value()) {
        // Somebody removed us while we are alive: keep our state, outbid the removal.
        ++clock;
      } else if (st.json.has_value()) {
        st.json.reset();
        --state_count_;
      }
    } else {
      if (!st.json.has_value()) ++state_count_;
      st.json = e.json;
    }
    st.clock = clock;
    st.last_updated_ms = now_ms;

    if (!had_meta && !is_null) {
      changes.added.push_back(e.client_id);
    } else if (had_meta && is_null) {
      changes.removed.push_back(e.client_id);
    } else if (!is_null) {
      changes.updated.push_back(e.client_id);
      if (previous != st.json) changes.changed.push_back(e.client_id);
    }
  }
  if (meta_.size() > kMaxMeta) {
    std::erase_if(meta_, [](const auto& kv) { return !kv.second.json.has_value(); });
  }
  return changes;
}

Bytes Awareness::encode_update(std::span<const std::uint64_t> ids) const {
  lib0::Encoder enc;
  std::size_t n = 0;
  for (const auto id : ids) n += meta_.count(id);
  enc.write_var_uint(n);
  for (const auto id : ids) {
    const auto it = meta_.find(id);
    if (it == meta_.end()) continue;  // awareness.js throws here; we skip unknown ids
    enc.write_var_uint(id);
    enc.write_var_uint(it->second.clock);
    enc.write_var_string(it->second.json ? std::string_view(*it->second.json)
                                         : std::string_view("null"));
  }
  return enc.take();
}

std::vector<std::uint64_t> Awareness::state_ids() const {
  std::vector<std::uint64_t> out;
  out.reserve(state_count_);
  for (const auto& [id, st] : meta_) {
    if (st.json) out.push_back(id);
  }
  return out;
}

std::vector<std::uint64_t> Awareness::remove_states(std::span<const std::uint64_t> ids,
                                                    std::int64_t now_ms) {
  std::vector<std::uint64_t> removed;
  for (const auto id : ids) {
    const auto it = meta_.find(id);
    if (it == meta_.end() || !it->second.json) continue;
    if (id == local_client_id_) {
      // awareness.js: removing our own state goes through setLocalState(null), which bumps.
      set_local_state(std::nullopt, now_ms);
    } else {
      it->second.json.reset();
      it->second.last_updated_ms = now_ms;
      --state_count_;
    }
    removed.push_back(id);
  }
  return removed;
}

std::vector<std::uint64_t> Awareness::remove_outdated(std::int64_t now_ms,
                                                      std::int64_t timeout_ms) {
  std::vector<std::uint64_t> outdated;
  for (const auto& [id, st] : meta_) {
    if (id != local_client_id_ && st.json && now_ms - st.last_updated_ms >= timeout_ms) {
      outdated.push_back(id);
    }
  }
  return remove_states(outdated, now_ms);
}

void Awareness::set_local_state(std::optional<std::string> json, std::int64_t now_ms) {
  // awareness.js setLocalState: clock 0 the first time, then +1.
  const bool known = meta_.count(local_client_id_) != 0;
  auto& st = meta_[local_client_id_];
  const bool had = st.json.has_value();
  st.clock = known ? st.clock + 1 : 0;
  st.last_updated_ms = now_ms;
  st.json = std::move(json);
  if (had && !st.json) --state_count_;
  if (!had && st.json) ++state_count_;
}

const Awareness::State* Awareness::find(std::uint64_t client_id) const {
  const auto it = meta_.find(client_id);
  return it == meta_.end() ? nullptr : &it->second;
}

}  // namespace crdt::awareness
