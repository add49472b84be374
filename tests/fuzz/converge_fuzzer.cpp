// libFuzzer target: "the same updates in two orders converge". The input drives three peers
// making random local edits (text with formatting, arrays, maps, nested types) through the
// editing API; every update they emit is then applied to two fresh replicas, one in emission
// order and one in reverse order (which exercises pending structs and pending deletes). Both
// replicas must end with nothing pending, the same state vector and the same content.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

#include <crdt/doc.hpp>
#include <crdt/error.hpp>

namespace {

const crdt::SharedRef kText = crdt::SharedRef::root_type("text");
const crdt::SharedRef kArray = crdt::SharedRef::root_type("array");
const crdt::SharedRef kMap = crdt::SharedRef::root_type("map");

// Text pieces: ASCII, a two-byte BMP letter and a newline. No astral characters: in Yjs, a
// split inside a surrogate pair turns both halves into U+FFFD on the replica where it happens,
// so replicas that receive updates in different orders legitimately diverge there (yjs #248).
// That behaviour is checked byte for byte against Yjs by tests/conformance instead.
std::string small_text(FuzzedDataProvider& in) {
  static constexpr std::array<const char*, 5> kPieces = {"a", "bc", "\xC3\xA9", "xyz", "\n"};
  std::string s;
  const int n = in.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < n; ++i) s += kPieces[in.ConsumeIntegralInRange<std::size_t>(0, 4)];
  return s;
}

void random_edit(crdt::Edit& e, const crdt::Doc& doc, FuzzedDataProvider& in) {
  const std::uint64_t tlen = doc.length(kText);
  const std::uint64_t alen = doc.length(kArray);
  switch (in.ConsumeIntegralInRange(0, 6)) {
    case 0:
      e.insert_text(kText, in.ConsumeIntegralInRange<std::uint64_t>(0, tlen), small_text(in));
      break;
    case 1:
      if (tlen > 0) {
        const auto at = in.ConsumeIntegralInRange<std::uint64_t>(0, tlen - 1);
        e.delete_text(kText, at, in.ConsumeIntegralInRange<std::uint64_t>(1, tlen - at));
      }
      break;
    case 2:
      if (tlen > 0) {
        const auto at = in.ConsumeIntegralInRange<std::uint64_t>(0, tlen - 1);
        crdt::AnyObject attrs;
        attrs.set("bold", in.ConsumeBool() ? crdt::Any(true) : crdt::Any(crdt::Null{}));
        e.format_text(kText, at, in.ConsumeIntegralInRange<std::uint64_t>(1, tlen - at), attrs);
      }
      break;
    case 3: {
      const std::array<crdt::Value, 1> v{
          crdt::Value(crdt::Any(static_cast<double>(in.ConsumeIntegral<std::int16_t>())))};
      e.insert(kArray, in.ConsumeIntegralInRange<std::uint64_t>(0, alen), v);
      break;
    }
    case 4:
      if (alen > 0) {
        const auto at = in.ConsumeIntegralInRange<std::uint64_t>(0, alen - 1);
        e.remove(kArray, at, in.ConsumeIntegralInRange<std::uint64_t>(1, alen - at));
      }
      break;
    case 5: {
      const std::string key(1, static_cast<char>('k' + in.ConsumeIntegralInRange(0, 3)));
      if (in.ConsumeBool()) {
        e.set(kMap, key, crdt::Value(crdt::Any(small_text(in))));
      } else if (auto nested =
                     e.set(kMap, key, crdt::Value(crdt::NewShared{crdt::SharedKind::text, {}}))) {
        e.insert_text(*nested, 0, small_text(in));
      }
      break;
    }
    default: {
      const std::string key(1, static_cast<char>('k' + in.ConsumeIntegralInRange(0, 3)));
      e.remove_key(kMap, key);
      break;
    }
  }
}

// On a failure, print the updates as hex lines (`ycrdt json … -` reads them) before aborting.
[[noreturn]] void fail(const char* what, const std::vector<crdt::Bytes>& updates) {
  std::fprintf(stderr, "converge_fuzzer: %s; updates in emission order:\n", what);
  for (const auto& u : updates) {
    for (auto b : u) std::fprintf(stderr, "%02x", b);
    std::fprintf(stderr, "\n");
  }
  std::abort();
}

// The replicas' content. A Y.Map's toJSON lists keys in the order the replica first saw them,
// which legitimately depends on arrival order (Yjs does the same), so map keys are sorted.
std::string content(const crdt::Doc& doc) {
  const crdt::Any map = crdt::json_parse(doc.to_json("map", crdt::RootKind::map));
  auto entries = map.as_object().entries();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out =
      doc.to_json("text", crdt::RootKind::text_delta) + doc.to_json("array", crdt::RootKind::array);
  for (const auto& [key, value] : entries) out += key + '=' + crdt::json_stringify(value) + ';';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool gc = in.ConsumeBool();
  std::vector<crdt::Doc> peers;
  for (std::uint64_t id : {1ull, 2ull, (1ull << 40) + 3}) {
    peers.emplace_back(crdt::DocOptions{.gc = gc, .client_id = id});
  }
  std::vector<crdt::Bytes> updates;
  // Each step: one peer edits, or one peer receives another's state (so later edits build on
  // remote items and the orders below are truly different).
  for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
    auto& peer = peers[in.ConsumeIntegralInRange<std::size_t>(0, peers.size() - 1)];
    if (in.ConsumeIntegralInRange(0, 3) == 0) {
      const auto& other = peers[in.ConsumeIntegralInRange<std::size_t>(0, peers.size() - 1)];
      auto r = peer.apply_update(other.encode_state_as_update(peer.encode_state_vector()));
      if (!r.update.empty()) updates.push_back(std::move(r.update));
      continue;
    }
    auto r = peer.transact([&](crdt::Edit& e) { random_edit(e, peer, in); });
    if (!r.update.empty()) updates.push_back(std::move(r.update));
  }

  crdt::Doc forward(crdt::DocOptions{.gc = gc, .client_id = 100});
  crdt::Doc backward(crdt::DocOptions{.gc = gc, .client_id = 101});
  for (const auto& u : updates) forward.apply_update(u);
  for (auto it = updates.rbegin(); it != updates.rend(); ++it) backward.apply_update(*it);
  if (forward.has_pending() || backward.has_pending()) fail("pending left", updates);
  if (forward.encode_state_vector() != backward.encode_state_vector()) {
    fail("state vectors differ", updates);
  }
  if (content(forward) != content(backward)) fail("content differs", updates);
  // And every peer that has seen everything agrees with the replicas.
  for (auto& peer : peers) {
    peer.apply_update(forward.encode_state_as_update(peer.encode_state_vector()));
    if (content(peer) != content(forward)) fail("a peer differs", updates);
  }
  return 0;
}
