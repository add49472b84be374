// storage::Database: schema and migrations, the document log and its compaction, the
// contribution ledger, `db check` and the online backup.
#include <filesystem>

#include <gtest/gtest.h>

#include "storage/database.hpp"

namespace napc::storage {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("napc-storage-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / name;
}

Bytes bytes(std::initializer_list<int> v) {
  Bytes out;
  for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

void append(Database& db, std::string_view doc, std::int64_t seq, const Bytes& data) {
  Transaction tx(db.connection());
  db.append_update(doc, seq, data, std::nullopt, 1);
  tx.commit();
}

TEST(Database, FreshDatabaseHasCurrentSchema) {
  Database db(":memory:");
  EXPECT_EQ(db.schema_version(), kSchemaVersion);
  EXPECT_TRUE(db.check().empty());
}

TEST(Database, ReopeningKeepsDataAndDoesNotRemigrate) {
  const auto path = temp_path("a.db").string();
  {
    Database db(path);
    db.insert_consultation({"c1", "Title", "", 5});
  }
  Database db(path);
  EXPECT_EQ(db.schema_version(), kSchemaVersion);
  ASSERT_TRUE(db.find_consultation("c1").has_value());
  EXPECT_EQ(db.find_consultation("c1")->title, "Title");
}

TEST(Database, RefusesANewerSchema) {
  const auto path = temp_path("newer.db").string();
  {
    Connection conn(path);
    conn.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  }
  EXPECT_THROW(Database db(path), Error);
}

TEST(Database, EmptyDocumentLoadsAsNew) {
  Database db(":memory:");
  const auto doc = db.load_document("c/s");
  EXPECT_TRUE(doc.snapshot.empty());
  EXPECT_TRUE(doc.updates.empty());
  EXPECT_EQ(doc.next_seq, 1);
}

TEST(Database, LogAppendsAndCompactionFoldsThem) {
  Database db(":memory:");
  append(db, "c/s", 1, bytes({1, 2, 3}));
  append(db, "c/s", 2, bytes({4}));
  append(db, "c/other", 1, bytes({9}));
  auto doc = db.load_document("c/s");
  ASSERT_EQ(doc.updates.size(), 2u);
  EXPECT_EQ(doc.updates[0].seq, 1);
  EXPECT_EQ(doc.updates[1].data, bytes({4}));
  EXPECT_EQ(doc.log_bytes, 4u);
  EXPECT_EQ(doc.next_seq, 3);

  db.compact_document("c/s", bytes({7, 7}), 2, 10);
  append(db, "c/s", 3, bytes({5}));
  doc = db.load_document("c/s");
  EXPECT_EQ(doc.snapshot, bytes({7, 7}));
  EXPECT_EQ(doc.snapshot_seq, 2);
  ASSERT_EQ(doc.updates.size(), 1u);
  EXPECT_EQ(doc.updates[0].seq, 3);
  EXPECT_EQ(doc.next_seq, 4);
  // Other documents are untouched.
  EXPECT_EQ(db.load_document("c/other").updates.size(), 1u);
  EXPECT_TRUE(db.check().empty());
  EXPECT_EQ(db.document_names(), (std::vector<std::string>{"c/other", "c/s"}));
}

TEST(Database, DuplicateSeqIsRefused) {
  Database db(":memory:");
  append(db, "c/s", 1, bytes({1}));
  EXPECT_THROW(append(db, "c/s", 1, bytes({2})), Error);
  EXPECT_EQ(db.load_document("c/s").updates.at(0).data, bytes({1}));
}

TEST(Database, OlderCompactionNeverOverwritesANewerSnapshot) {
  Database db(":memory:");
  db.compact_document("c/s", bytes({2}), 5, 1);
  db.compact_document("c/s", bytes({1}), 3, 2);
  const auto doc = db.load_document("c/s");
  EXPECT_EQ(doc.snapshot, bytes({2}));
  EXPECT_EQ(doc.snapshot_seq, 5);
}

TEST(Database, ContributionsAccumulate) {
  Database db(":memory:");
  db.insert_consultation({"c", "T", "", 1});
  const auto p =
      db.insert_participant({0, "c", "Ann", "Org", "workers", "drafter", 1}, std::nullopt);
  {
    Transaction tx(db.connection());
    db.add_contribution("c/s", p, 10, 2);
    db.add_contribution("c/s", p, 5, 0);
    db.add_contribution("c/t", p, 1, 1);
    tx.commit();
  }
  const auto rows = db.contributions("c/");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].document, "c/s");
  EXPECT_EQ(rows[0].inserted, 15);
  EXPECT_EQ(rows[0].deleted, 2);
  EXPECT_EQ(rows[0].updates, 2);
  EXPECT_TRUE(db.contributions("x/").empty());
}

TEST(Database, CheckFindsLogEntriesCoveredByTheSnapshot) {
  Database db(":memory:");
  append(db, "c/s", 1, bytes({1}));
  db.connection().exec(
      "INSERT INTO documents(name, snapshot, snapshot_seq, created_at, updated_at) "
      "VALUES('c/s', x'00', 1, 0, 0)");
  const auto problems = db.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("covered by the snapshot"), std::string::npos);
}

TEST(Database, OnlineBackupCopiesEverything) {
  const auto path = temp_path("live.db");
  const auto copy = path.parent_path() / "copy.db";
  Database db(path.string());
  db.insert_consultation({"c", "Backup me", "", 1});
  append(db, "c/s", 1, bytes({1, 2}));
  db.backup_to(copy);
  EXPECT_THROW(db.backup_to(copy), Error);  // never overwrites
  Database restored(copy.string());
  EXPECT_EQ(restored.find_consultation("c")->title, "Backup me");
  EXPECT_EQ(restored.load_document("c/s").updates.at(0).data, bytes({1, 2}));
  EXPECT_TRUE(restored.check().empty());
}

TEST(Database, InvitationUsesAreCapped) {
  Database db(":memory:");
  db.insert_consultation({"c", "T", "", 1});
  InvitationRow inv;
  inv.consultation_id = "c";
  inv.code = "ABCDEFGHJK";
  inv.role = "participant";
  inv.constituency = "workers";
  inv.max_uses = 2;
  const auto id = db.insert_invitation(inv);
  EXPECT_TRUE(db.consume_invitation(id));
  EXPECT_TRUE(db.consume_invitation(id));
  EXPECT_FALSE(db.consume_invitation(id));
  EXPECT_EQ(db.find_invitation_by_code("ABCDEFGHJK")->uses, 2);
}

}  // namespace
}  // namespace napc::storage
