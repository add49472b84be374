// storage::Database: schema and migrations, the document log and its compaction, reading a log
// in parts, the contribution ledger, `db check` and the online backup.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

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

// Entry `i` of a loaded document's log, as bytes.
Bytes entry(const StoredDocument& doc, std::size_t i) {
  if (i >= doc.updates.size()) throw std::out_of_range("no such log entry");
  const auto data = doc.updates[i].data;
  return Bytes(data.begin(), data.end());
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
  EXPECT_EQ(entry(doc, 1), bytes({4}));
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
  EXPECT_EQ(entry(db.load_document("c/s"), 0), bytes({1}));
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
  EXPECT_EQ(entry(restored.load_document("c/s"), 0), bytes({1, 2}));
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

TEST(StoredLog, KeepsEntriesInOrderInOneBuffer) {
  StoredLog log;
  EXPECT_TRUE(log.empty());
  log.push_back(4, bytes({1, 2, 3}));
  log.push_back(5, Bytes{});  // an empty entry keeps its place
  log.push_back(7, bytes({9}));
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.bytes(), 4u);
  EXPECT_EQ(log[0].seq, 4);
  EXPECT_EQ(Bytes(log[0].data.begin(), log[0].data.end()), bytes({1, 2, 3}));
  EXPECT_TRUE(log[1].data.empty());
  EXPECT_EQ(Bytes(log[2].data.begin(), log[2].data.end()), bytes({9}));
  std::vector<std::int64_t> seqs;
  for (const auto& u : log) seqs.push_back(u.seq);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{4, 5, 7}));
}

// A document with a snapshot (up to seq 2) and log entries 3..12 of growing size.
Database& document_with_snapshot_and_log(Database& db) {
  append(db, "c/s", 1, bytes({1}));
  append(db, "c/s", 2, bytes({2}));
  db.compact_document("c/s", bytes({7, 7, 7}), 2, 10);
  for (int seq = 3; seq <= 12; ++seq) {
    append(db, "c/s", seq, Bytes(static_cast<std::size_t>(seq), static_cast<std::uint8_t>(seq)));
  }
  append(db, "c/other", 1, bytes({5}));
  return db;
}

// Every part, kept (so never waiting for the consumer).
std::vector<StoredDocument> parts_of(Database& db, std::string_view name, std::size_t part_bytes,
                                     std::size_t part_entries) {
  std::vector<StoredDocument> parts;
  PartOptions options;
  options.bytes = part_bytes;
  options.entries = part_entries;
  options.in_flight = 0;
  db.load_document_parts(
      name, [&](StoredDocument part) { parts.push_back(std::move(part)); }, options);
  return parts;
}

TEST(Database, LoadingInPartsGivesTheSameDocumentInOrder) {
  Database db(":memory:");
  document_with_snapshot_and_log(db);
  const auto whole = db.load_document("c/s");
  ASSERT_EQ(whole.updates.size(), 10u);
  EXPECT_TRUE(whole.complete);
  EXPECT_EQ(whole.next_seq, 13);

  const auto parts = parts_of(db, "c/s", 1 << 20, 3);
  ASSERT_EQ(parts.size(), 4u);  // 3 + 3 + 3 + 1 entries
  EXPECT_EQ(parts[0].snapshot, bytes({7, 7, 7}));
  std::vector<std::int64_t> seqs;
  std::vector<Bytes> data;
  std::size_t log_bytes = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].complete, i + 1 == parts.size()) << i;
    EXPECT_EQ(parts[i].snapshot_seq, 2);
    if (i > 0) {
      EXPECT_TRUE(parts[i].snapshot.empty()) << i;
    }
    EXPECT_EQ(parts[i].log_bytes, parts[i].updates.bytes());
    log_bytes += parts[i].log_bytes;
    for (std::size_t k = 0; k < parts[i].updates.size(); ++k) {
      seqs.push_back(parts[i].updates[k].seq);
      data.push_back(entry(parts[i], k));
    }
  }
  EXPECT_EQ(parts.back().next_seq, whole.next_seq);
  EXPECT_EQ(log_bytes, whole.log_bytes);
  ASSERT_EQ(seqs.size(), whole.updates.size());
  for (std::size_t k = 0; k < seqs.size(); ++k) {
    EXPECT_EQ(seqs[k], whole.updates[k].seq);
    EXPECT_EQ(data[k], entry(whole, k));
  }
}

TEST(Database, LoadingInPartsSplitsByBytesToo) {
  Database db(":memory:");
  document_with_snapshot_and_log(db);
  // Entries of 3..12 bytes; a part ends once it holds 10 bytes or more: 3+4+5, 6+7, 8+9, 10,
  // 11, 12.
  const auto parts = parts_of(db, "c/s", 10, 1000);
  std::vector<std::size_t> sizes;
  for (const auto& p : parts) sizes.push_back(p.updates.size());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 2, 2, 1, 1, 1}));
  EXPECT_EQ(parts.back().next_seq, 13);
}

TEST(Database, ADocumentWithoutLogLoadsAsOneCompletePart) {
  Database db(":memory:");
  auto parts = parts_of(db, "c/none", 1, 1);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].complete);
  EXPECT_TRUE(parts[0].updates.empty());
  EXPECT_EQ(parts[0].next_seq, 1);

  db.compact_document("c/snap", bytes({1}), 4, 1);
  parts = parts_of(db, "c/snap", 1, 1);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].snapshot, bytes({1}));
  EXPECT_EQ(parts[0].next_seq, 5);
}

TEST(Database, TheReaderOfPartsWaitsForItsConsumer) {
  Database db(":memory:");
  for (int seq = 1; seq <= 40; ++seq) append(db, "c/s", seq, bytes({seq}));
  // A consumer on another thread that holds each part a little while, as the room's strand does.
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<StoredDocument> queue;
  bool done = false;
  std::atomic<int> held{0};
  int most_held = 0;
  std::vector<std::int64_t> seqs;
  std::thread consumer([&] {
    for (;;) {
      StoredDocument part;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return done || !queue.empty(); });
        if (queue.empty()) return;
        part = std::move(queue.front());
        queue.pop_front();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      for (const auto& u : part.updates) seqs.push_back(u.seq);
      --held;  // before the part (and its pacing) goes
    }
  });
  PartOptions options;
  options.entries = 4;  // 10 parts
  options.in_flight = 2;
  options.wait_budget = std::chrono::seconds(10);
  db.load_document_parts(
      "c/s",
      [&](StoredDocument part) {
        most_held = std::max(most_held, ++held);
        std::lock_guard lock(mutex);
        queue.push_back(std::move(part));
        cv.notify_one();
      },
      options);
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  cv.notify_one();
  consumer.join();
  EXPECT_LE(most_held, 2);
  ASSERT_EQ(seqs.size(), 40u);
  for (std::size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));
}

TEST(Database, TheReaderOfPartsStopsWaitingForAConsumerThatHoldsOn) {
  Database db(":memory:");
  for (int seq = 1; seq <= 10; ++seq) append(db, "c/s", seq, bytes({seq}));
  std::vector<StoredDocument> kept;  // never released
  PartOptions options;
  options.entries = 1;
  options.in_flight = 1;
  options.wait_budget = std::chrono::milliseconds(30);
  const auto start = std::chrono::steady_clock::now();
  db.load_document_parts(
      "c/s", [&](StoredDocument part) { kept.push_back(std::move(part)); }, options);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(kept.size(), 10u);
  EXPECT_TRUE(kept.back().complete);
  EXPECT_GE(took, std::chrono::milliseconds(30));
  EXPECT_LT(took, std::chrono::seconds(2));  // the budget is for the whole load, not per part
}

TEST(Database, AFailingReaderOfPartsLeavesNoTransactionOpen) {
  Database db(":memory:");
  document_with_snapshot_and_log(db);
  int calls = 0;
  PartOptions options;
  options.entries = 3;
  EXPECT_THROW(db.load_document_parts(
                   "c/s",
                   [&](StoredDocument) {
                     if (++calls == 2) throw std::runtime_error("the reader gave up");
                   },
                   options),
               std::runtime_error);
  EXPECT_EQ(calls, 2);
  append(db, "c/s", 13, bytes({13}));  // BEGIN IMMEDIATE works: the read transaction is over
  EXPECT_EQ(db.load_document("c/s").next_seq, 14);
}

TEST(Database, ADocumentFirstWrittenInARolledBackTransactionCanBeWrittenAgain) {
  const auto path = temp_path("rollback.db").string();
  Database db(path);
  {
    Transaction tx(db.connection());
    db.append_update("c/new", 1, bytes({1}), std::nullopt, 1);
    // No commit: the log entry and the document's number are rolled back.
  }
  EXPECT_FALSE(db.document_exists("c/new"));
  append(db, "c/other", 1, bytes({2}));  // takes the number "c/new" had for a moment
  append(db, "c/new", 1, bytes({3}));
  EXPECT_EQ(entry(db.load_document("c/new"), 0), bytes({3}));
  EXPECT_EQ(entry(db.load_document("c/other"), 0), bytes({2}));
  EXPECT_EQ(db.document_names(), (std::vector<std::string>{"c/new", "c/other"}));
  EXPECT_TRUE(db.check().empty());
}

TEST(Database, CompactionOfEveryEntryLeavesOnlyTheSnapshot) {
  Database db(":memory:");
  append(db, "c/s", 1, bytes({1}));
  append(db, "c/s", 2, bytes({2}));
  EXPECT_TRUE(db.document_exists("c/s"));
  db.compact_document("c/s", bytes({9}), 2, 3);
  const auto doc = db.load_document("c/s");
  EXPECT_EQ(doc.snapshot, bytes({9}));
  EXPECT_TRUE(doc.updates.empty());
  EXPECT_EQ(doc.next_seq, 3);
  EXPECT_TRUE(db.document_exists("c/s"));
  EXPECT_EQ(db.document_names(), (std::vector<std::string>{"c/s"}));
  // A compaction of a document never logged (e.g. `db compact` after an upload) works too.
  db.compact_document("c/t", bytes({8}), 0, 3);
  EXPECT_EQ(db.load_document("c/t").snapshot, bytes({8}));
  EXPECT_TRUE(db.check().empty());
}

// The schema as version 2 released it, with a consultation, a participant and documents: one
// with only a log, one with a snapshot and the log after it.
constexpr std::string_view kVersion2Database = R"sql(
CREATE TABLE consultations (id TEXT PRIMARY KEY, title TEXT NOT NULL,
  template_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
  template_source TEXT NOT NULL DEFAULT '', template_json TEXT, agenda_updated_at INTEGER);
CREATE TABLE sections (consultation_id TEXT NOT NULL REFERENCES consultations(id),
  key TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL,
  number TEXT NOT NULL DEFAULT '', pillar TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT 'richtext', editors TEXT NOT NULL DEFAULT '',
  constituencies TEXT NOT NULL DEFAULT '', locked INTEGER NOT NULL DEFAULT 0,
  definition TEXT NOT NULL DEFAULT '', retired INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (consultation_id, key));
CREATE TABLE invitations (id INTEGER PRIMARY KEY,
  consultation_id TEXT NOT NULL REFERENCES consultations(id), code TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL, constituency TEXT NOT NULL, max_uses INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0, expires_at INTEGER);
CREATE TABLE participants (id INTEGER PRIMARY KEY,
  consultation_id TEXT NOT NULL REFERENCES consultations(id), display_name TEXT NOT NULL,
  organisation TEXT NOT NULL, constituency TEXT NOT NULL, role TEXT NOT NULL,
  invitation_id INTEGER REFERENCES invitations(id), created_at INTEGER NOT NULL);
CREATE INDEX participants_by_consultation ON participants(consultation_id);
CREATE TABLE tokens (hash BLOB PRIMARY KEY,
  participant_id INTEGER NOT NULL REFERENCES participants(id), created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE documents (name TEXT PRIMARY KEY, snapshot BLOB NOT NULL,
  snapshot_seq INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE document_updates (document TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
  participant_id INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (document, seq));
CREATE TABLE contributions (document TEXT NOT NULL,
  participant_id INTEGER NOT NULL REFERENCES participants(id),
  inserted INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
  updates INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (document, participant_id));
CREATE TABLE agenda_blocks (consultation_id TEXT NOT NULL REFERENCES consultations(id),
  position INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('day', 'phase')),
  key TEXT NOT NULL, title_en TEXT NOT NULL, title_fr TEXT NOT NULL, title_es TEXT NOT NULL,
  start_minute INTEGER NOT NULL DEFAULT 0, minutes INTEGER NOT NULL DEFAULT 0,
  offset_days INTEGER NOT NULL DEFAULT 0, length_days INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (consultation_id, position), UNIQUE (consultation_id, key));
CREATE TABLE agenda_items (consultation_id TEXT NOT NULL REFERENCES consultations(id),
  position INTEGER NOT NULL, parent INTEGER, depth INTEGER NOT NULL, block INTEGER NOT NULL,
  key TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('presentation', 'plenary', 'breakout',
    'drafting', 'vote', 'qa', 'break', 'admin')),
  title_en TEXT NOT NULL, title_fr TEXT NOT NULL, title_es TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', planned_minutes INTEGER NOT NULL,
  planned_start INTEGER NOT NULL, planned_end INTEGER NOT NULL,
  sections TEXT NOT NULL DEFAULT '[]', polls TEXT NOT NULL DEFAULT '[]',
  breakout_groups TEXT NOT NULL DEFAULT '[]', guiding_questions TEXT NOT NULL DEFAULT '[]',
  basis TEXT NOT NULL DEFAULT '', actual_start INTEGER, actual_end INTEGER,
  PRIMARY KEY (consultation_id, position), UNIQUE (consultation_id, key),
  FOREIGN KEY (consultation_id, block) REFERENCES agenda_blocks(consultation_id, position),
  FOREIGN KEY (consultation_id, parent) REFERENCES agenda_items(consultation_id, position));
INSERT INTO consultations(id, title, created_at) VALUES ('c', 'Before document numbers', 7);
INSERT INTO participants VALUES (1, 'c', 'Ann', 'Org', 'workers', 'drafter', NULL, 7);
INSERT INTO document_updates VALUES ('c/log', 1, x'0102', 1, 100);
INSERT INTO document_updates VALUES ('c/log', 2, x'03', NULL, 101);
INSERT INTO document_updates VALUES ('c/log', 3, x'', 1, 102);
INSERT INTO documents VALUES ('c/snap', x'0909', 5, 50, 60);
INSERT INTO document_updates VALUES ('c/snap', 7, x'07', 1, 107);
INSERT INTO document_updates VALUES ('c/snap', 6, x'06', 1, 106);
INSERT INTO contributions VALUES ('c/log', 1, 3, 0, 2);
PRAGMA user_version = 2;
)sql";

TEST(Database, MigratesAVersion2LogKeepingEveryEntry) {
  const auto path = temp_path("v2.db").string();
  {
    Connection conn(path);
    conn.exec(kVersion2Database);
  }
  {
    Database db(path);
    EXPECT_EQ(db.schema_version(), kSchemaVersion);
    EXPECT_TRUE(db.check().empty());
    EXPECT_EQ(db.document_names(), (std::vector<std::string>{"c/log", "c/snap"}));
    EXPECT_TRUE(db.document_exists("c/log"));
    EXPECT_FALSE(db.document_exists("c/none"));

    auto log = db.load_document("c/log");
    EXPECT_TRUE(log.snapshot.empty());
    ASSERT_EQ(log.updates.size(), 3u);
    EXPECT_EQ(log.updates[0].seq, 1);
    EXPECT_EQ(entry(log, 0), bytes({1, 2}));
    EXPECT_EQ(entry(log, 1), bytes({3}));
    EXPECT_EQ(entry(log, 2), Bytes{});
    EXPECT_EQ(log.log_bytes, 3u);
    EXPECT_EQ(log.next_seq, 4);

    const auto snap = db.load_document("c/snap");
    EXPECT_EQ(snap.snapshot, bytes({9, 9}));
    EXPECT_EQ(snap.snapshot_seq, 5);
    ASSERT_EQ(snap.updates.size(), 2u);  // in seq order, whatever order they were written in
    EXPECT_EQ(snap.updates[0].seq, 6);
    EXPECT_EQ(snap.updates[1].seq, 7);
    EXPECT_EQ(snap.next_seq, 8);

    // The other columns moved over too.
    auto stmt = db.connection().prepare(
        "SELECT l.participant_id, l.created_at FROM document_log l JOIN document_ids d "
        "ON d.id = l.document_id WHERE d.name = 'c/log' ORDER BY l.seq");
    std::vector<std::pair<bool, std::int64_t>> rows;
    while (stmt.step()) rows.emplace_back(stmt.column_is_null(0), stmt.column_int(1));
    EXPECT_EQ(rows, (std::vector<std::pair<bool, std::int64_t>>{
                        {false, 100}, {true, 101}, {false, 102}}));
    auto old = db.connection().prepare(
        "SELECT count(*) FROM sqlite_schema WHERE name = 'document_updates'");
    old.step();
    EXPECT_EQ(old.column_int(0), 0);

    // The log goes on where it stopped, and compacts.
    append(db, "c/log", 4, bytes({4}));
    db.compact_document("c/log", bytes({8}), 4, 200);
    log = db.load_document("c/log");
    EXPECT_EQ(log.snapshot, bytes({8}));
    EXPECT_TRUE(log.updates.empty());
    EXPECT_EQ(log.next_seq, 5);
    EXPECT_EQ(db.contributions("c/").at(0).updates, 2);
  }
  Database reopened(path);  // no second migration
  EXPECT_EQ(reopened.schema_version(), kSchemaVersion);
  EXPECT_EQ(reopened.load_document("c/snap").updates.size(), 2u);
  EXPECT_TRUE(reopened.check().empty());
}

TEST(Database, CheckFindsLogEntriesOfAMigratedDatabaseCoveredByTheSnapshot) {
  const auto path = temp_path("v2-covered.db").string();
  {
    Connection conn(path);
    conn.exec(kVersion2Database);
    conn.exec("INSERT INTO document_updates VALUES ('c/snap', 5, x'05', NULL, 105)");
  }
  Database db(path);
  const auto problems = db.check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("c/snap: 1 log entries already covered"), std::string::npos);
}

}  // namespace
}  // namespace napc::storage
