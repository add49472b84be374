// The y-protocols awareness CRDT (y-protocols 1.0.7 awareness.js; spec §4.3): presence states
// (cursor, user name, colour) per client id, each with a clock, and Yjs's exact apply rules.
//
// Wire form:
//   AwarenessUpdate := varUint n { varUint client_id  varUint clock  varString json }{n}
// where json is JSON.stringify(state), and the 4 characters `null` mean "removed".
//
// States are kept as the raw JSON text received: for JS-produced input, JSON.parse followed by
// JSON.stringify is the identity, so forwarding the text is byte-identical to the JS server and
// needs no JSON tree. The text is still validated (strict JSON) and checked for `null`.
//
// Time is passed in (milliseconds on any monotonic clock) so that tests are deterministic.
// Thread safety: none; an Awareness belongs to its room's strand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/error.hpp"
#include "crdt/lib0.hpp"

namespace crdt::awareness {

// awareness.js outdatedTimeout: remote states not renewed for this long are removed.
inline constexpr std::int64_t kOutdatedTimeoutMs = 30000;

struct Entry {
  std::uint64_t client_id = 0;
  std::uint64_t clock = 0;
  std::string json;  // raw JSON text; "null" for a removal
};

/**
 * Strict JSON (RFC 8259, as JSON.parse accepts it: surrounding whitespace allowed, lone
 * surrogate escapes allowed, invalid UTF-8 rejected), nesting capped at `max_depth`.
 * @param is_null set to true when the value is the literal null.
 */
bool is_valid_json(std::string_view text, bool* is_null = nullptr, int max_depth = 128);

/**
 * Decodes an awareness update. Every entry is validated before anything is returned.
 * @throws crdt::Error end_of_buffer / integer_overflow / malformed (trailing bytes, count larger
 *         than the input) / invalid_utf8 / invalid_json.
 */
std::vector<Entry> decode_update(ByteView update);
Bytes encode_update(std::span<const Entry> entries);

struct Changes {
  std::vector<std::uint64_t> added;
  std::vector<std::uint64_t> updated;  // every accepted non-null update, changed or not
  std::vector<std::uint64_t> removed;
  // The subset of `updated` whose JSON actually changed (awareness.js 'change' vs 'update').
  std::vector<std::uint64_t> changed;

  bool empty() const { return added.empty() && updated.empty() && removed.empty(); }
  // added ∪ updated ∪ removed, the ids the server broadcasts (awareness.js 'update' event).
  std::vector<std::uint64_t> all() const;
};

class Awareness {
 public:
  struct State {
    std::uint64_t clock = 0;
    std::int64_t last_updated_ms = 0;
    std::optional<std::string> json;  // nullopt: removed (meta kept, as in awareness.js)
  };

  /** @param local_client_id this peer's own id (the server's; its local state starts null). */
  explicit Awareness(std::uint64_t local_client_id = 0) : local_client_id_(local_client_id) {}

  /**
   * applyAwarenessUpdate. Decodes and validates the whole update first, then applies each entry:
   *   accept iff meta.clock < clock, or (meta.clock == clock && json is null && a state exists);
   *   a null for our own id while our local state is non-null is refused by bumping our clock.
   * DIVERGES from awareness.js: an invalid entry rejects the whole update (JS applies the
   * entries before it and then throws); a peer never sees half an update applied.
   * @throws crdt::Error as decode_update; nothing is applied then.
   */
  Changes apply_update(ByteView update, std::int64_t now_ms);
  /** Applies already-decoded entries (same rules). */
  Changes apply_entries(std::span<const Entry> entries, std::int64_t now_ms);

  /** encodeAwarenessUpdate for `ids`: each with its current clock and state (or `null`). */
  Bytes encode_update(std::span<const std::uint64_t> ids) const;
  /** Every id that has a (non-null) state. */
  std::vector<std::uint64_t> state_ids() const;

  /**
   * removeAwarenessStates: drops the states of `ids` WITHOUT bumping their clocks, so that the
   * removal is accepted by peers at the same clock (a client that reconnects wins).
   * Ids without a state are skipped. @return the removed ids.
   */
  std::vector<std::uint64_t> remove_states(std::span<const std::uint64_t> ids, std::int64_t now_ms);

  /** Removes remote states not renewed for `timeout_ms` (clock unchanged). @return their ids. */
  std::vector<std::uint64_t> remove_outdated(std::int64_t now_ms,
                                             std::int64_t timeout_ms = kOutdatedTimeoutMs);

  /** setLocalState: bumps our clock; nullopt removes our state. */
  void set_local_state(std::optional<std::string> json, std::int64_t now_ms);

  const State* find(std::uint64_t client_id) const;
  std::size_t size() const { return state_count_; }
  std::uint64_t local_client_id() const { return local_client_id_; }

 private:
  std::uint64_t local_client_id_;
  std::map<std::uint64_t, State> meta_;  // every id ever seen; json set iff it has a state
  std::size_t state_count_ = 0;
};

}  // namespace crdt::awareness
