// libFuzzer target: hostile V1 updates against the update decoder, the document and the
// doc-less update functions. Whatever the bytes, nothing may crash, hang or allocate without
// bound, and a rejected update must leave the document exactly as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <crdt/doc.hpp>
#include <crdt/error.hpp>

namespace {

// A document with some history (text, map entries, an overwritten key, a deletion), so that a
// fuzzed update has structs to attach to, split, and delete. Bytes made by yjs 13.6.33
// (yjs-spec.md §7.3 U1, U16, U17 and U14).
const crdt::Doc& seed_doc_state(crdt::Doc& doc) {
  static const std::uint8_t kText[] = {0x01, 0x01, 0x01, 0x00, 0x04, 0x01, 0x04, 0x74,
                                       0x65, 0x78, 0x74, 0x03, 0x61, 0x62, 0x63, 0x00};
  static const std::uint8_t kDelete[] = {0x00, 0x01, 0x01, 0x01, 0x01, 0x01};
  static const std::uint8_t kMap[] = {0x01, 0x01, 0x02, 0x00, 0x28, 0x01, 0x03, 0x6d, 0x61,
                                      0x70, 0x01, 0x6b, 0x01, 0x77, 0x01, 0x76, 0x00};
  doc.apply_update(kText);
  doc.apply_update(kDelete);
  doc.apply_update(kMap);
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crdt::ByteView input(data, size);
  for (const bool gc : {true, false}) {
    crdt::Doc doc(crdt::DocOptions{.gc = gc, .client_id = 77});
    seed_doc_state(doc);
    const auto before = doc.encode_state_as_update();
    const auto sv_before = doc.encode_state_vector();
    try {
      doc.apply_update(input);
      // Accepted: the document must still encode, and re-applying its own state is a no-op.
      const auto state = doc.encode_state_as_update();
      crdt::Doc copy(crdt::DocOptions{.gc = gc, .client_id = 78});
      copy.apply_update(state);
    } catch (const crdt::Error&) {
      if (doc.encode_state_as_update() != before || doc.encode_state_vector() != sv_before) {
        std::abort();  // a rejected update changed the document
      }
    }
  }
  try {
    const crdt::ByteView parts[] = {input, input};
    crdt::merge_updates(parts);
  } catch (const crdt::Error&) {
  }
  try {
    static const std::uint8_t kSv[] = {0x01, 0x01, 0x01};
    crdt::diff_update(input, kSv);
  } catch (const crdt::Error&) {
  }
  try {
    crdt::encode_state_vector_from_update(input);
  } catch (const crdt::Error&) {
  }
  return 0;
}
