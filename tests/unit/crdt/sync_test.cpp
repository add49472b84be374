// y-websocket framing and y-protocols sync messages against the verified vectors of
// yjs-spec.md §4.2 (yjs 13.6.33, y-protocols 1.0.7, y-websocket 3.0.0) and the transcripts of
// §5.7, in both directions.
#include "crdt/sync.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace crdt {
namespace {

using test::hex;
using test::to_hex;

// The 'abc' update (§2.9): one client, one Y.Text named "text".
constexpr const char* kAbcUpdate = "01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00";

TEST(Sync, Step1Vectors) {
  EXPECT_EQ(to_hex(sync::encode_sync_step1(hex("01 01 03"))), "00 00 03 01 01 03");
  EXPECT_EQ(to_hex(sync::encode_sync_step1(hex("00"))), "00 00 01 00");
}

TEST(Sync, Step2AndUpdateVectors) {
  EXPECT_EQ(to_hex(sync::encode_sync_step2(hex(kAbcUpdate))),
            test::spaced("00 01 10 01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  EXPECT_EQ(to_hex(sync::encode_sync_step2(hex("00 00"))), "00 01 02 00 00");
  EXPECT_EQ(to_hex(sync::encode_sync_update(hex(kAbcUpdate))),
            test::spaced("00 02 10 01 01 01 00 04 01 04 74 65 78 74 03 61 62 63 00"));
  // §5.7 transcript 2: B deletes one character.
  EXPECT_EQ(to_hex(sync::encode_sync_update(hex("00 01 0a 01 00 01"))),
            "00 02 06 00 01 0a 01 00 01");
}

TEST(Sync, AuthAndQueryAwarenessVectors) {
  EXPECT_EQ(to_hex(sync::encode_permission_denied("no")), "02 00 02 6e 6f");
  EXPECT_EQ(to_hex(sync::encode_query_awareness()), "03");
}

TEST(Sync, AwarenessFrameVector) {
  const auto update = hex(
      "01 01 01 26 7b 22 75 73 65 72 22 3a 7b 22 6e 61 6d 65 22 3a 22 41 6e 6e 22 2c 22 63 6f 6c "
      "6f 72 22 3a 22 23 66 30 30 22 7d 7d");
  EXPECT_EQ(to_hex(sync::encode_awareness(update)),
            test::spaced("01 2a 01 01 01 26 7b 22 75 73 65 72 22 3a 7b 22 6e 61 6d 65 22 3a 22 41 "
                         "6e 6e 22 2c 22 63 6f 6c 6f 72 22 3a 22 23 66 30 30 22 7d 7d"));
}

TEST(Sync, DecodesEveryFrameKind) {
  const auto step1 = hex("00 00 03 01 01 03");
  auto m = sync::decode_message(step1);
  EXPECT_EQ(m.type, sync::MessageType::sync);
  EXPECT_EQ(m.sync_type, sync::SyncType::step1);
  EXPECT_EQ(to_hex(m.payload), "01 01 03");

  const auto step2 = hex("00 01 02 00 00");
  m = sync::decode_message(step2);
  EXPECT_EQ(m.sync_type, sync::SyncType::step2);
  EXPECT_EQ(to_hex(m.payload), "00 00");

  const auto update = hex("00 02 06 00 01 0a 01 00 01");
  m = sync::decode_message(update);
  EXPECT_EQ(m.sync_type, sync::SyncType::update);
  EXPECT_EQ(to_hex(m.payload), "00 01 0a 01 00 01");
  EXPECT_EQ(to_hex(sync::update_payload(update)), "00 01 0a 01 00 01");

  const auto awareness = hex("01 08 01 0a 01 04 6e 75 6c 6c");
  m = sync::decode_message(awareness);
  EXPECT_EQ(m.type, sync::MessageType::awareness);
  EXPECT_EQ(to_hex(m.payload), "01 0a 01 04 6e 75 6c 6c");

  const auto denied = hex("02 00 02 6e 6f");
  m = sync::decode_message(denied);
  EXPECT_EQ(m.type, sync::MessageType::auth);
  EXPECT_EQ(m.reason, "no");

  const auto query = hex("03");
  EXPECT_EQ(sync::decode_message(query).type, sync::MessageType::query_awareness);
}

ErrorCode decode_error(const Bytes& frame) {
  try {
    sync::decode_message(frame);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "decoded: " << to_hex(frame);
  return ErrorCode::malformed;
}

TEST(Sync, RejectsMalformedFrames) {
  EXPECT_EQ(decode_error({}), ErrorCode::end_of_buffer);
  EXPECT_EQ(decode_error(hex("00")), ErrorCode::end_of_buffer);
  EXPECT_EQ(decode_error(hex("00 00")), ErrorCode::end_of_buffer);
  EXPECT_EQ(decode_error(hex("00 02 10 01 01")), ErrorCode::end_of_buffer);  // truncated update
  EXPECT_EQ(decode_error(hex("00 00 01 00 ff")), ErrorCode::malformed);      // trailing byte
  EXPECT_EQ(decode_error(hex("03 00")), ErrorCode::malformed);
  EXPECT_EQ(decode_error(hex("01")), ErrorCode::end_of_buffer);
  EXPECT_EQ(decode_error(hex("02 00 02 ff fe")), ErrorCode::invalid_utf8);
  EXPECT_EQ(decode_error(hex("ff ff ff ff ff ff ff ff ff 01")), ErrorCode::integer_overflow);
}

TEST(Sync, RejectsUnknownTypes) {
  EXPECT_EQ(decode_error(hex("04")), ErrorCode::unknown_message_type);
  EXPECT_EQ(decode_error(hex("7f 00")), ErrorCode::unknown_message_type);
  EXPECT_EQ(decode_error(hex("00 03 00")), ErrorCode::unknown_message_type);
  EXPECT_EQ(decode_error(hex("02 01 00")), ErrorCode::unknown_message_type);
}

TEST(Sync, UpdatePayloadRefusesOtherFrames) {
  EXPECT_THROW(sync::update_payload(hex("00 00 01 00")), Error);
  EXPECT_THROW(sync::update_payload(hex("03")), Error);
}

TEST(Sync, StateVectorCoverage) {
  // doc {1:3, 10:2}
  const auto doc_sv = hex("02 01 03 0a 02");
  EXPECT_TRUE(sync::state_vector_covered(hex("00"), doc_sv));
  EXPECT_TRUE(sync::state_vector_covered(hex("01 01 03"), doc_sv));
  EXPECT_TRUE(sync::state_vector_covered(hex("02 0a 01 01 02"), doc_sv));
  EXPECT_FALSE(sync::state_vector_covered(hex("01 01 04"), doc_sv));
  EXPECT_FALSE(sync::state_vector_covered(hex("01 05 01"), doc_sv));
  EXPECT_THROW(sync::state_vector_covered(hex("02 01 03"), doc_sv), Error);
  EXPECT_THROW(sync::state_vector_covered(hex("01 01 03 00"), doc_sv), Error);
}

}  // namespace
}  // namespace crdt
