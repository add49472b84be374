// Hostile input: every malformed update must throw crdt::Error and leave the document exactly as
// it was (Yjs would apply structs before it even reads the delete set).
#include <gtest/gtest.h>

#include "crdt/doc.hpp"
#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::to_hex;

struct Snapshot {
  std::string state;
  std::string sv;
  bool pending;
  std::string text;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

Snapshot snapshot(const Doc& doc) {
  return Snapshot{to_hex(doc.encode_state_as_update()), to_hex(doc.encode_state_vector()),
                  doc.has_pending(), doc.to_json("text", RootKind::text)};
}

// A document with content, a pending struct and a pending delete.
Doc busy_doc() {
  Doc doc(DocOptions{.gc = true, .client_id = 999});
  doc.apply_update(hex("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  doc.apply_update(hex("01 01 02 05 84 02 04 01 7a 00"));
  doc.apply_update(hex("00 01 03 01 00 02"));
  return doc;
}

void expect_rejected(const Bytes& update, ErrorCode code, const std::string& what) {
  Doc doc = busy_doc();
  const Snapshot before = snapshot(doc);
  try {
    doc.apply_update(update);
    FAIL() << what << ": accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << what << ": " << e.what();
  }
  EXPECT_EQ(snapshot(doc), before) << what;
}

TEST(DocReject, EveryTruncationLeavesTheDocumentUnchanged) {
  const Bytes updates[] = {
      // rich text with formats and an embed (U22)
      hex("01 06 01 00 04 01 01 74 01 68 84 01 00 02 65 6c 84 01 02 02 6c 6f c6 01 00 01 01 04 62 "
          "6f 6c 64 04 74 72 75 65 c6 01 02 01 03 04 62 6f 6c 64 04 6e 75 6c 6c 85 01 04 11 7b 22 "
          "69 6d 61 67 65 22 3a 22 78 2e 70 6e 67 22 7d 01 01 01 00 01"),
      // map with Any values (U16) and a delete set
      hex("01 03 01 00 28 01 03 6d 61 70 01 6b 01 77 01 76 28 01 03 6d 61 70 01 6e 01 7d 2a 28 01 "
          "03 6d 61 70 01 6f 01 76 01 01 61 75 02 7d 01 7d 02 01 01 01 00 01"),
      // nested type, subdocument
      hex("01 02 01 00 27 01 01 6d 04 6c 69 73 74 00 08 00 01 00 02 77 01 78 77 01 79 00"),
      hex("01 01 01 00 29 01 04 64 6f 63 73 01 73 08 73 75 62 2d 67 75 69 64 76 00 00"),
  };
  for (const Bytes& full : updates) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      Doc doc = busy_doc();
      const Snapshot before = snapshot(doc);
      const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_THROW(doc.apply_update(cut), Error) << "prefix of " << n << " bytes";
      EXPECT_EQ(snapshot(doc), before) << "prefix of " << n << " bytes";
    }
    Doc doc = busy_doc();
    EXPECT_NO_THROW(doc.apply_update(full));
  }
}

TEST(DocReject, MalformedStructs) {
  expect_rejected(hex("01 01 05 00 0b 01 01 74 01 61 00"), ErrorCode::unknown_content_ref,
                  "content ref 11");
  expect_rejected(hex("01 01 05 00 1f 01 01 74 01 61 00"), ErrorCode::unknown_content_ref,
                  "content ref 31");
  expect_rejected(hex("01 01 05 00 07 01 01 74 07 00"), ErrorCode::unknown_type_ref, "type ref 7");
  expect_rejected(hex("01 01 05 00 04 01 01 74 01 ff 00"), ErrorCode::invalid_utf8, "bad string");
  expect_rejected(hex("01 01 05 00 04 01 02 c0 80 01 61 00"), ErrorCode::invalid_utf8,
                  "overlong root name");
  expect_rejected(hex("01 01 05 00 04 01 01 74 00 00"), ErrorCode::zero_length, "empty string");
  expect_rejected(hex("01 01 05 00 01 01 01 74 00 00"), ErrorCode::zero_length, "Deleted(0)");
  expect_rejected(hex("01 01 05 00 08 01 01 74 00 00"), ErrorCode::zero_length, "Any[]");
  expect_rejected(hex("01 01 05 00 00 00 00"), ErrorCode::zero_length, "GC(0)");
  expect_rejected(hex("01 02 05 00 04 01 01 74 01 61 0a 00 00"), ErrorCode::zero_length, "Skip(0)");
  expect_rejected(hex("01 01 05 00 80 01 00"), ErrorCode::malformed, "GC with flags");
  expect_rejected(hex("01 01 05 00 8a 01 00"), ErrorCode::malformed, "Skip with flags");
  expect_rejected(hex("01 01 05 00 05 01 01 74 03 7b 61 7d 00"), ErrorCode::invalid_json,
                  "bad embed JSON");
  expect_rejected(hex("01 01 05 00 08 01 01 74 01 6f 00"), ErrorCode::unknown_any_tag, "Any tag");
  expect_rejected(hex("01 01 05 00 29 01 01 64 01 73 01 67 7e 00"), ErrorCode::malformed,
                  "subdoc opts null");
}

TEST(DocReject, HugeCountsAndLengths) {
  expect_rejected(hex("ff ff ff ff ff ff ff 0f 00"), ErrorCode::end_of_buffer, "2^53 clients");
  expect_rejected(hex("01 ff ff ff ff ff ff ff 0f 05 00 00"), ErrorCode::end_of_buffer,
                  "2^53 structs");
  expect_rejected(hex("01 01 05 00 04 01 01 74 ff ff ff ff ff ff ff 0f 61 00"),
                  ErrorCode::end_of_buffer, "2^53 string length");
  expect_rejected(hex("01 01 05 00 04 01 01 74 80 80 80 80 80 80 80 10 61 00"),
                  ErrorCode::integer_overflow, "2^53 varUint");
  expect_rejected(hex("01 02 05 ff ff ff ff ff ff ff 0f 00 01 00 01 00"),
                  ErrorCode::integer_overflow, "clock range past 2^53");
  expect_rejected(hex("00 01 05 ff ff ff ff ff ff ff 0f ff ff ff ff ff ff ff 0f 00 05"),
                  ErrorCode::end_of_buffer, "huge delete range count");
  expect_rejected(hex("00 01 05 01 ff ff ff ff ff ff ff 0f 02"), ErrorCode::integer_overflow,
                  "delete range past 2^53");
}

TEST(DocReject, DeepAny) {
  Bytes u = hex("01 01 05 00 08 01 01 74 01");
  for (int i = 0; i < 1000; ++i) {
    u.push_back(0x75);
    u.push_back(0x01);
  }
  u.push_back(0x7e);
  u.push_back(0x00);
  expect_rejected(u, ErrorCode::too_deep, "deep Any");
}

TEST(DocReject, SelfReferenceToTheFuture) {
  // Origin (5, 3) from an item at (5, 0): no Yjs peer produces this; Yjs throws half-way.
  expect_rejected(hex("01 01 05 00 84 05 03 01 61 00"), ErrorCode::malformed, "future origin");
  expect_rejected(hex("01 01 05 00 44 05 00 01 61 00"), ErrorCode::malformed, "self right origin");
  expect_rejected(hex("01 01 05 00 04 00 05 00 01 61 00"), ErrorCode::malformed, "self parent");
}

TEST(DocReject, OddButValidInputIsAccepted) {
  Doc doc = busy_doc();
  // Non-minimal varUints, a BOM in a string and NUL bytes are fine.
  doc.apply_update(hex("01 01 85 00 00 04 01 01 74 06 ef bb bf 61 00 62 00"));
  EXPECT_EQ(doc.to_json("t", RootKind::text),
            "\"\xef\xbb\xbf"
            "a\\u0000b\"");
  // A parent ID pointing at non-type content makes the item a GC, as in Yjs.
  Doc gc(DocOptions{.client_id = 999});
  gc.apply_update(hex("01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  gc.apply_update(hex("01 01 02 00 04 00 01 00 01 7a 00"));
  EXPECT_EQ(
      to_hex(gc.encode_state_as_update()),
      test::spaced("02 01 02 00 00 01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 01 02 01 00 01"));
}

}  // namespace
}  // namespace crdt
