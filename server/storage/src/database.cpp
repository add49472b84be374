#include "storage/database.hpp"

#include <array>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <utility>

#include <sqlite3.h>

namespace napc::storage {
namespace {

// Forward migrations: kMigrations[i] takes a database from user_version i to i + 1.
// DO NOT CHANGE an entry once released; append a new one and bump kSchemaVersion.
constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE consultations (
  id          TEXT PRIMARY KEY,
  title       TEXT NOT NULL,
  template_id TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE TABLE sections (
  consultation_id TEXT NOT NULL REFERENCES consultations(id),
  key             TEXT NOT NULL,
  title           TEXT NOT NULL,
  position        INTEGER NOT NULL,
  number          TEXT NOT NULL DEFAULT '',
  pillar          TEXT NOT NULL DEFAULT '',
  kind            TEXT NOT NULL DEFAULT 'richtext',
  editors         TEXT NOT NULL DEFAULT '',
  constituencies  TEXT NOT NULL DEFAULT '',
  locked          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (consultation_id, key)
);
CREATE TABLE invitations (
  id              INTEGER PRIMARY KEY,
  consultation_id TEXT NOT NULL REFERENCES consultations(id),
  code            TEXT NOT NULL UNIQUE,
  role            TEXT NOT NULL,
  constituency    TEXT NOT NULL,
  max_uses        INTEGER NOT NULL,
  uses            INTEGER NOT NULL DEFAULT 0,
  expires_at      INTEGER
);
CREATE TABLE participants (
  id              INTEGER PRIMARY KEY,
  consultation_id TEXT NOT NULL REFERENCES consultations(id),
  display_name    TEXT NOT NULL,
  organisation    TEXT NOT NULL,
  constituency    TEXT NOT NULL,
  role            TEXT NOT NULL,
  invitation_id   INTEGER REFERENCES invitations(id),
  created_at      INTEGER NOT NULL
);
CREATE INDEX participants_by_consultation ON participants(consultation_id);
CREATE TABLE tokens (
  hash           BLOB PRIMARY KEY,
  participant_id INTEGER NOT NULL REFERENCES participants(id),
  created_at     INTEGER NOT NULL,
  revoked        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE documents (
  name         TEXT PRIMARY KEY,
  snapshot     BLOB NOT NULL,
  snapshot_seq INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE TABLE document_updates (
  document       TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  data           BLOB NOT NULL,
  participant_id INTEGER,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (document, seq)
);
CREATE TABLE contributions (
  document       TEXT NOT NULL,
  participant_id INTEGER NOT NULL REFERENCES participants(id),
  inserted       INTEGER NOT NULL DEFAULT 0,
  deleted        INTEGER NOT NULL DEFAULT 0,
  updates        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (document, participant_id)
);
)sql",
    // 2: the agenda of the template a consultation was created from (issue 5), where the
    // template came from, and per-section definitions (titles in three languages, guiding
    // questions, table columns) plus a `retired` flag for agenda replacements.
    R"sql(
ALTER TABLE consultations ADD COLUMN template_source TEXT NOT NULL DEFAULT '';
ALTER TABLE consultations ADD COLUMN template_json TEXT;
ALTER TABLE consultations ADD COLUMN agenda_updated_at INTEGER;
ALTER TABLE sections ADD COLUMN definition TEXT NOT NULL DEFAULT '';
ALTER TABLE sections ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
CREATE TABLE agenda_blocks (
  consultation_id TEXT NOT NULL REFERENCES consultations(id),
  position        INTEGER NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('day', 'phase')),
  key             TEXT NOT NULL,
  title_en        TEXT NOT NULL,
  title_fr        TEXT NOT NULL,
  title_es        TEXT NOT NULL,
  start_minute    INTEGER NOT NULL DEFAULT 0,
  minutes         INTEGER NOT NULL DEFAULT 0,
  offset_days     INTEGER NOT NULL DEFAULT 0,
  length_days     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (consultation_id, position),
  UNIQUE (consultation_id, key)
);
CREATE TABLE agenda_items (
  consultation_id   TEXT NOT NULL REFERENCES consultations(id),
  position          INTEGER NOT NULL,
  parent            INTEGER,
  depth             INTEGER NOT NULL,
  block             INTEGER NOT NULL,
  key               TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('presentation', 'plenary', 'breakout',
                      'drafting', 'vote', 'qa', 'break', 'admin')),
  title_en          TEXT NOT NULL,
  title_fr          TEXT NOT NULL,
  title_es          TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  planned_minutes   INTEGER NOT NULL,
  planned_start     INTEGER NOT NULL,
  planned_end       INTEGER NOT NULL,
  sections          TEXT NOT NULL DEFAULT '[]',
  polls             TEXT NOT NULL DEFAULT '[]',
  breakout_groups   TEXT NOT NULL DEFAULT '[]',
  guiding_questions TEXT NOT NULL DEFAULT '[]',
  basis             TEXT NOT NULL DEFAULT '',
  actual_start      INTEGER,
  actual_end        INTEGER,
  PRIMARY KEY (consultation_id, position),
  UNIQUE (consultation_id, key),
  FOREIGN KEY (consultation_id, block) REFERENCES agenda_blocks(consultation_id, position),
  FOREIGN KEY (consultation_id, parent) REFERENCES agenda_items(consultation_id, position)
);
)sql",
    // 3: the log keyed by a document number and clustered on (document, seq) (issue 4, cold
    // load): a WITHOUT ROWID table holds each entry in its primary key's b-tree, so reading a
    // document's log is one range scan instead of an index lookup plus a table lookup per entry,
    // and the name is no longer repeated in every entry (a third of the file for 100,000 small
    // updates). Existing entries move over unchanged.
    R"sql(
CREATE TABLE document_ids (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE document_log (
  document_id    INTEGER NOT NULL REFERENCES document_ids(id),
  seq            INTEGER NOT NULL,
  data           BLOB NOT NULL,
  participant_id INTEGER,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (document_id, seq)
) WITHOUT ROWID;
INSERT INTO document_ids(name) SELECT DISTINCT document FROM document_updates ORDER BY document;
INSERT INTO document_log(document_id, seq, data, participant_id, created_at)
  SELECT d.id, u.seq, u.data, u.participant_id, u.created_at
  FROM document_updates u JOIN document_ids d ON d.name = u.document
  ORDER BY d.id, u.seq;
DROP TABLE document_updates;
)sql",
};

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Database::Database(const std::string& path, OpenOptions options)
    : path_(path), read_only_(options.read_only), conn_(path, options.read_only) {
  if (options.read_only) {
    if (schema_version() > kSchemaVersion) {
      throw Error(-1, "database schema version " + std::to_string(schema_version()) +
                          " is newer than this binary (" + std::to_string(kSchemaVersion) + ")");
    }
    return;
  }
  conn_.exec("PRAGMA journal_mode=WAL");
  conn_.exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  conn_.exec("PRAGMA foreign_keys=ON");
  sqlite3_rollback_hook(
      conn_.handle(), [](void* self) { static_cast<Database*>(self)->document_ids_.clear(); },
      this);
  migrate();
}

int Database::schema_version() {
  auto stmt = conn_.prepare("PRAGMA user_version");
  stmt.step();
  return static_cast<int>(stmt.column_int(0));
}

void Database::migrate() {
  const int current = schema_version();
  if (current > kSchemaVersion) {
    throw Error(-1, "database schema version " + std::to_string(current) +
                        " is newer than this binary (" + std::to_string(kSchemaVersion) + ")");
  }
  for (int v = current; v < kSchemaVersion; ++v) {
    Transaction tx(conn_);
    conn_.exec(kMigrations[static_cast<std::size_t>(v)]);
    conn_.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
}

void Database::insert_consultation(const ConsultationRow& row) {
  conn_.prepare("INSERT INTO consultations(id, title, template_id, created_at) VALUES(?,?,?,?)")
      .bind(1, row.id)
      .bind(2, row.title)
      .bind(3, row.template_id)
      .bind(4, row.created_at)
      .run();
}

std::optional<ConsultationRow> Database::find_consultation(std::string_view id) {
  auto stmt =
      conn_.prepare("SELECT id, title, template_id, created_at FROM consultations WHERE id = ?");
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return ConsultationRow{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                         stmt.column_int(3)};
}

std::vector<ConsultationRow> Database::list_consultations() {
  auto stmt = conn_.prepare(
      "SELECT id, title, template_id, created_at FROM consultations ORDER BY created_at, id");
  std::vector<ConsultationRow> out;
  while (stmt.step()) {
    out.push_back(
        {stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_int(3)});
  }
  return out;
}

namespace {

// Binds ?1 consultation, ?2 key … ?9 constituencies: the columns insert and update share.
Statement& bind_section_columns(Statement& stmt, std::string_view consultation_id,
                                const SectionRow& row) {
  return stmt.bind(1, consultation_id)
      .bind(2, row.key)
      .bind(3, row.title)
      .bind(4, row.position)
      .bind(5, row.number)
      .bind(6, row.pillar)
      .bind(7, row.kind)
      .bind(8, row.editors)
      .bind(9, row.constituencies);
}

}  // namespace

void Database::insert_section(std::string_view consultation_id, const SectionRow& row) {
  auto stmt = conn_.prepare(
      "INSERT INTO sections(consultation_id, key, title, position, number, pillar, kind, "
      "editors, constituencies, locked, definition, retired) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  bind_section_columns(stmt, consultation_id, row)
      .bind(10, std::int64_t{row.locked ? 1 : 0})
      .bind(11, row.definition)
      .bind(12, std::int64_t{row.retired ? 1 : 0})
      .run();
}

void Database::update_section(std::string_view consultation_id, const SectionRow& row) {
  auto stmt = conn_.prepare(
      "UPDATE sections SET title = ?3, position = ?4, number = ?5, pillar = ?6, kind = ?7, "
      "editors = ?8, constituencies = ?9, definition = ?10, retired = ?11 "
      "WHERE consultation_id = ?1 AND key = ?2");
  bind_section_columns(stmt, consultation_id, row)
      .bind(10, row.definition)
      .bind(11, std::int64_t{row.retired ? 1 : 0})
      .run();
  if (conn_.changes() != 1) {
    throw Error(-1, "no section '" + row.key + "' in consultation " + std::string(consultation_id));
  }
}

void Database::set_template_record(std::string_view consultation_id, const TemplateRecord& record) {
  auto stmt = conn_.prepare(
      "UPDATE consultations SET template_id = ?2, template_source = ?3, template_json = ?4, "
      "agenda_updated_at = ?5 WHERE id = ?1");
  stmt.bind(1, consultation_id).bind(2, record.id).bind(3, record.source);
  if (record.json.empty()) {
    stmt.bind_null(4);
  } else {
    stmt.bind(4, record.json);
  }
  stmt.bind(5, record.agenda_updated_at).run();
  if (conn_.changes() != 1) {
    throw Error(-1, "no consultation " + std::string(consultation_id));
  }
}

TemplateRecord Database::template_record(std::string_view consultation_id) {
  auto stmt = conn_.prepare(
      "SELECT template_id, template_source, template_json, agenda_updated_at FROM consultations "
      "WHERE id = ?");
  stmt.bind(1, consultation_id);
  TemplateRecord out;
  if (!stmt.step()) return out;
  out.id = stmt.column_text(0);
  out.source = stmt.column_text(1);
  if (!stmt.column_is_null(2)) out.json = stmt.column_text(2);
  if (!stmt.column_is_null(3)) out.agenda_updated_at = stmt.column_int(3);
  return out;
}

void Database::replace_agenda(std::string_view consultation_id, const AgendaRows& agenda) {
  // Items first: they refer to their blocks and (sub-items) to their parents.
  conn_.prepare("DELETE FROM agenda_items WHERE consultation_id = ?")
      .bind(1, consultation_id)
      .run();
  conn_.prepare("DELETE FROM agenda_blocks WHERE consultation_id = ?")
      .bind(1, consultation_id)
      .run();
  auto block_stmt = conn_.prepare(
      "INSERT INTO agenda_blocks(consultation_id, position, kind, key, title_en, title_fr, "
      "title_es, start_minute, minutes, offset_days, length_days) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& b : agenda.blocks) {
    block_stmt.bind(1, consultation_id)
        .bind(2, b.position)
        .bind(3, b.kind)
        .bind(4, b.key)
        .bind(5, b.title_en)
        .bind(6, b.title_fr)
        .bind(7, b.title_es)
        .bind(8, b.start_minute)
        .bind(9, b.minutes)
        .bind(10, b.offset_days)
        .bind(11, b.length_days)
        .run();
  }
  auto item_stmt = conn_.prepare(
      "INSERT INTO agenda_items(consultation_id, position, parent, depth, block, key, kind, "
      "title_en, title_fr, title_es, description, planned_minutes, planned_start, planned_end, "
      "sections, polls, breakout_groups, guiding_questions, basis, actual_start, actual_end) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& i : agenda.items) {
    item_stmt.bind(1, consultation_id)
        .bind(2, i.position)
        .bind(3, i.parent)
        .bind(4, i.depth)
        .bind(5, i.block)
        .bind(6, i.key)
        .bind(7, i.kind)
        .bind(8, i.title_en)
        .bind(9, i.title_fr)
        .bind(10, i.title_es)
        .bind(11, i.description)
        .bind(12, i.planned_minutes)
        .bind(13, i.planned_start)
        .bind(14, i.planned_end)
        .bind(15, i.sections)
        .bind(16, i.polls)
        .bind(17, i.breakout_groups)
        .bind(18, i.guiding_questions)
        .bind(19, i.basis)
        .bind(20, i.actual_start)
        .bind(21, i.actual_end)
        .run();
  }
}

AgendaRows Database::agenda(std::string_view consultation_id) {
  AgendaRows out;
  {
    auto stmt = conn_.prepare(
        "SELECT position, kind, key, title_en, title_fr, title_es, start_minute, minutes, "
        "offset_days, length_days FROM agenda_blocks WHERE consultation_id = ? ORDER BY position");
    stmt.bind(1, consultation_id);
    while (stmt.step()) {
      AgendaBlockRow b;
      b.position = stmt.column_int(0);
      b.kind = stmt.column_text(1);
      b.key = stmt.column_text(2);
      b.title_en = stmt.column_text(3);
      b.title_fr = stmt.column_text(4);
      b.title_es = stmt.column_text(5);
      b.start_minute = stmt.column_int(6);
      b.minutes = stmt.column_int(7);
      b.offset_days = stmt.column_int(8);
      b.length_days = stmt.column_int(9);
      out.blocks.push_back(std::move(b));
    }
  }
  auto stmt = conn_.prepare(
      "SELECT position, parent, depth, block, key, kind, title_en, title_fr, title_es, "
      "description, planned_minutes, planned_start, planned_end, sections, polls, "
      "breakout_groups, guiding_questions, basis, actual_start, actual_end FROM agenda_items "
      "WHERE consultation_id = ? ORDER BY position");
  stmt.bind(1, consultation_id);
  const auto optional_int = [&stmt](int column) -> std::optional<std::int64_t> {
    if (stmt.column_is_null(column)) return std::nullopt;
    return stmt.column_int(column);
  };
  while (stmt.step()) {
    AgendaItemRow i;
    i.position = stmt.column_int(0);
    i.parent = optional_int(1);
    i.depth = stmt.column_int(2);
    i.block = stmt.column_int(3);
    i.key = stmt.column_text(4);
    i.kind = stmt.column_text(5);
    i.title_en = stmt.column_text(6);
    i.title_fr = stmt.column_text(7);
    i.title_es = stmt.column_text(8);
    i.description = stmt.column_text(9);
    i.planned_minutes = stmt.column_int(10);
    i.planned_start = stmt.column_int(11);
    i.planned_end = stmt.column_int(12);
    i.sections = stmt.column_text(13);
    i.polls = stmt.column_text(14);
    i.breakout_groups = stmt.column_text(15);
    i.guiding_questions = stmt.column_text(16);
    i.basis = stmt.column_text(17);
    i.actual_start = optional_int(18);
    i.actual_end = optional_int(19);
    out.items.push_back(std::move(i));
  }
  return out;
}

bool Database::document_exists(std::string_view name) {
  auto stmt = conn_.prepare(
      "SELECT EXISTS(SELECT 1 FROM documents WHERE name = ?1) OR "
      "EXISTS(SELECT 1 FROM document_log WHERE document_id = "
      "(SELECT id FROM document_ids WHERE name = ?1))");
  stmt.bind(1, name);
  stmt.step();
  return stmt.column_int(0) != 0;
}

namespace {
constexpr std::string_view kSectionColumns =
    "SELECT key, title, position, number, pillar, kind, editors, constituencies, locked, "
    "definition, retired FROM sections ";
SectionRow read_section(const Statement& stmt) {
  SectionRow row;
  row.key = stmt.column_text(0);
  row.title = stmt.column_text(1);
  row.position = stmt.column_int(2);
  row.number = stmt.column_text(3);
  row.pillar = stmt.column_text(4);
  row.kind = stmt.column_text(5);
  row.editors = stmt.column_text(6);
  row.constituencies = stmt.column_text(7);
  row.locked = stmt.column_int(8) != 0;
  row.definition = stmt.column_text(9);
  row.retired = stmt.column_int(10) != 0;
  return row;
}
}  // namespace

std::vector<SectionRow> Database::sections(std::string_view consultation_id) {
  auto stmt = conn_.prepare(std::string(kSectionColumns) +
                            "WHERE consultation_id = ? ORDER BY position, key");
  stmt.bind(1, consultation_id);
  std::vector<SectionRow> out;
  while (stmt.step()) out.push_back(read_section(stmt));
  return out;
}

std::optional<SectionRow> Database::find_section(std::string_view consultation_id,
                                                 std::string_view key) {
  auto stmt = conn_.prepare(std::string(kSectionColumns) + "WHERE consultation_id = ? AND key = ?");
  stmt.bind(1, consultation_id).bind(2, key);
  if (!stmt.step()) return std::nullopt;
  return read_section(stmt);
}

std::int64_t Database::insert_invitation(const InvitationRow& row) {
  conn_
      .prepare(
          "INSERT INTO invitations(consultation_id, code, role, constituency, max_uses, uses, "
          "expires_at) VALUES(?,?,?,?,?,?,?)")
      .bind(1, row.consultation_id)
      .bind(2, row.code)
      .bind(3, row.role)
      .bind(4, row.constituency)
      .bind(5, row.max_uses)
      .bind(6, row.uses)
      .bind(7, row.expires_at)
      .run();
  return conn_.last_insert_rowid();
}

namespace {
InvitationRow read_invitation(const Statement& stmt) {
  InvitationRow row;
  row.id = stmt.column_int(0);
  row.consultation_id = stmt.column_text(1);
  row.code = stmt.column_text(2);
  row.role = stmt.column_text(3);
  row.constituency = stmt.column_text(4);
  row.max_uses = stmt.column_int(5);
  row.uses = stmt.column_int(6);
  if (!stmt.column_is_null(7)) row.expires_at = stmt.column_int(7);
  return row;
}
constexpr std::string_view kInvitationColumns =
    "SELECT id, consultation_id, code, role, constituency, max_uses, uses, expires_at "
    "FROM invitations ";
}  // namespace

std::optional<InvitationRow> Database::find_invitation_by_code(std::string_view code) {
  auto stmt = conn_.prepare(std::string(kInvitationColumns) + "WHERE code = ?");
  stmt.bind(1, code);
  if (!stmt.step()) return std::nullopt;
  return read_invitation(stmt);
}

std::vector<InvitationRow> Database::invitations(std::string_view consultation_id) {
  auto stmt =
      conn_.prepare(std::string(kInvitationColumns) + "WHERE consultation_id = ? ORDER BY id");
  stmt.bind(1, consultation_id);
  std::vector<InvitationRow> out;
  while (stmt.step()) out.push_back(read_invitation(stmt));
  return out;
}

bool Database::consume_invitation(std::int64_t invitation_id) {
  conn_.prepare("UPDATE invitations SET uses = uses + 1 WHERE id = ? AND uses < max_uses")
      .bind(1, invitation_id)
      .run();
  return conn_.changes() == 1;
}

std::int64_t Database::insert_participant(const ParticipantRow& row,
                                          std::optional<std::int64_t> invitation) {
  conn_
      .prepare(
          "INSERT INTO participants(consultation_id, display_name, organisation, constituency, "
          "role, invitation_id, created_at) VALUES(?,?,?,?,?,?,?)")
      .bind(1, row.consultation_id)
      .bind(2, row.display_name)
      .bind(3, row.organisation)
      .bind(4, row.constituency)
      .bind(5, row.role)
      .bind(6, invitation)
      .bind(7, row.created_at)
      .run();
  return conn_.last_insert_rowid();
}

std::optional<ParticipantRow> Database::find_participant(std::int64_t id) {
  auto stmt = conn_.prepare(
      "SELECT id, consultation_id, display_name, organisation, constituency, role, created_at "
      "FROM participants WHERE id = ?");
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return ParticipantRow{stmt.column_int(0),  stmt.column_text(1), stmt.column_text(2),
                        stmt.column_text(3), stmt.column_text(4), stmt.column_text(5),
                        stmt.column_int(6)};
}

void Database::insert_token(std::span<const std::uint8_t> hash, std::int64_t participant_id,
                            std::int64_t created_at) {
  conn_.prepare("INSERT INTO tokens(hash, participant_id, created_at) VALUES(?,?,?)")
      .bind(1, hash)
      .bind(2, participant_id)
      .bind(3, created_at)
      .run();
}

std::optional<std::int64_t> Database::participant_for_token(std::span<const std::uint8_t> hash) {
  auto stmt = conn_.prepare("SELECT participant_id FROM tokens WHERE hash = ? AND revoked = 0");
  stmt.bind(1, hash);
  if (!stmt.step()) return std::nullopt;
  return stmt.column_int(0);
}

void StoredLog::reserve(std::size_t entries, std::size_t bytes) {
  entries_.reserve(entries);
  data_.reserve(bytes);
}

void StoredLog::push_back(std::int64_t seq, std::span<const std::uint8_t> data) {
  data_.insert(data_.end(), data.begin(), data.end());
  entries_.push_back({seq, data_.size()});
}

StoredUpdate StoredLog::operator[](std::size_t i) const {
  const std::size_t begin = i == 0 ? 0 : entries_[i - 1].end;
  return {entries_[i].seq,
          std::span<const std::uint8_t>(data_).subspan(begin, entries_[i].end - begin)};
}

namespace {

// The parts of one load_document_parts call that their consumer still holds. The reader waits
// while too many are: on a single core it would otherwise read far ahead of the consumer, and
// every part in flight is fresh memory (page faults cost ~10 µs each on the benchmark VM).
class PartWindow : public std::enable_shared_from_this<PartWindow> {
 public:
  std::shared_ptr<void> enter() {
    {
      std::lock_guard lock(mutex_);
      ++alive_;
    }
    return {nullptr, [self = shared_from_this()](void*) { self->leave(); }};
  }
  // Waits until fewer than `limit` parts are held, for at most `budget` over all calls: a
  // consumer that stops consuming (a failed room, a server shutting down) delays the storage
  // thread by that much at most.
  void wait_below(std::size_t limit, std::chrono::steady_clock::duration& budget) {
    if (budget <= std::chrono::steady_clock::duration::zero()) return;
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, budget, [&] { return alive_ < limit; });
    budget -= std::chrono::steady_clock::now() - start;
  }

 private:
  void leave() {
    {
      std::lock_guard lock(mutex_);
      --alive_;
    }
    cv_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t alive_ = 0;
};

// Reads through a memory map of the file, for the life of this object, instead of read() into
// SQLite's page cache: loading a long log reads each page once, and copying every page into the
// cache cost ~6 ms per 100,000 entries in a fresh process (tests/bench/server, cold_log). The map
// goes when the load ends, as mapped pages count in the server's RSS (~0.2 MB more per loaded
// automerge-paper document if the map stayed). Writes go through the WAL either way; the file is
// ours alone, nothing truncates it under the map.
class MappedReads {
 public:
  explicit MappedReads(Connection& conn) : conn_(conn) {
    conn_.exec("PRAGMA mmap_size = 268435456");
  }
  ~MappedReads() {
    try {
      conn_.exec("PRAGMA mmap_size = 0");  // unmaps: the read transaction is over
    } catch (const Error&) {
    }
  }
  MappedReads(const MappedReads&) = delete;
  MappedReads& operator=(const MappedReads&) = delete;

 private:
  Connection& conn_;
};

}  // namespace

std::optional<std::int64_t> Database::document_id(std::string_view name, bool create) {
  if (const auto it = document_ids_.find(name); it != document_ids_.end()) return it->second;
  if (!document_id_stmt_.valid()) {
    document_id_stmt_ = conn_.prepare("SELECT id FROM document_ids WHERE name = ?");
  }
  std::optional<std::int64_t> id;
  document_id_stmt_.bind(1, name);
  try {
    if (document_id_stmt_.step()) id = document_id_stmt_.column_int(0);
  } catch (...) {
    document_id_stmt_.reset();
    throw;
  }
  document_id_stmt_.reset();
  if (!id && create) {
    conn_.prepare("INSERT INTO document_ids(name) VALUES(?)").bind(1, name).run();
    id = conn_.last_insert_rowid();
  }
  if (id) document_ids_.emplace(std::string(name), *id);
  return id;
}

StoredDocument Database::load_document(std::string_view name) {
  StoredDocument doc;
  PartOptions whole;
  whole.bytes = whole.entries = std::numeric_limits<std::size_t>::max();
  whole.in_flight = 0;
  load_document_parts(
      name, [&doc](StoredDocument part) { doc = std::move(part); }, whole);
  return doc;
}

void Database::load_document_parts(std::string_view name,
                                   const std::function<void(StoredDocument)>& on_part,
                                   const PartOptions& options) {
  const MappedReads mapped(conn_);  // declared first: unmaps after the transaction has ended
  // The snapshot and the log from one state of the file, even if another process (`napconsult
  // db compact`) compacts in between.
  const ReadTransaction read(conn_);
  StoredDocument part;
  {
    auto stmt = conn_.prepare("SELECT snapshot, snapshot_seq FROM documents WHERE name = ?");
    stmt.bind(1, name);
    if (stmt.step()) {
      part.snapshot = stmt.column_blob(0);
      part.snapshot_seq = stmt.column_int(1);
    }
  }
  const auto snapshot_seq = part.snapshot_seq;
  part.next_seq = snapshot_seq + 1;
  if (const auto id = document_id(name, false)) {
    auto stmt = conn_.prepare(
        "SELECT seq, data FROM document_log WHERE document_id = ? AND seq > ? ORDER BY seq");
    stmt.bind(1, *id).bind(2, snapshot_seq);
    // A bounded part's buffers are allocated once, at their full size: growing them would copy
    // and touch fresh memory at every doubling.
    const bool bounded = options.bytes <= (1u << 20) && options.entries <= (1u << 16);
    const auto reserve = [&] {
      if (bounded) part.updates.reserve(options.entries, options.bytes + options.bytes / 4);
    };
    reserve();
    const auto window = std::make_shared<PartWindow>();
    std::chrono::steady_clock::duration budget = options.wait_budget;
    while (stmt.step()) {
      if (part.updates.size() >= options.entries || part.log_bytes >= options.bytes) {
        const auto next_seq = part.next_seq;
        part.complete = false;
        if (options.in_flight > 0) part.pacing = window->enter();
        on_part(std::move(part));
        if (options.in_flight > 0) window->wait_below(options.in_flight, budget);
        part = StoredDocument{};
        part.snapshot_seq = snapshot_seq;
        part.next_seq = next_seq;
        reserve();
      }
      const auto seq = stmt.column_int(0);
      const auto data = stmt.column_blob_view(1);
      part.updates.push_back(seq, data);
      part.log_bytes += data.size();
      part.next_seq = seq + 1;
    }
  }
  part.complete = true;
  on_part(std::move(part));
}

void Database::append_update(std::string_view name, std::int64_t seq,
                             std::span<const std::uint8_t> data,
                             std::optional<std::int64_t> participant_id, std::int64_t created_at) {
  const auto id = *document_id(name, true);
  if (!append_stmt_.valid()) {
    append_stmt_ = conn_.prepare(
        "INSERT INTO document_log(document_id, seq, data, participant_id, created_at) "
        "VALUES(?,?,?,?,?)");
  }
  append_stmt_.bind(1, id)
      .bind(2, seq)
      .bind(3, data)
      .bind(4, participant_id)
      .bind(5, created_at)
      .run();
}

void Database::compact_document(std::string_view name, std::span<const std::uint8_t> snapshot,
                                std::int64_t upto_seq, std::int64_t now) {
  Transaction tx(conn_);
  conn_
      .prepare(
          "INSERT INTO documents(name, snapshot, snapshot_seq, created_at, updated_at) "
          "VALUES(?1, ?2, ?3, ?4, ?4) ON CONFLICT(name) DO UPDATE SET snapshot = ?2, "
          "snapshot_seq = ?3, updated_at = ?4 WHERE snapshot_seq <= ?3")
      .bind(1, name)
      .bind(2, snapshot)
      .bind(3, upto_seq)
      .bind(4, now)
      .run();
  if (const auto id = document_id(name, false)) {
    conn_.prepare("DELETE FROM document_log WHERE document_id = ? AND seq <= ?")
        .bind(1, *id)
        .bind(2, upto_seq)
        .run();
  }
  tx.commit();
}

std::vector<std::string> Database::document_names() {
  auto stmt = conn_.prepare(
      "SELECT name FROM documents UNION SELECT name FROM document_ids d "
      "WHERE EXISTS(SELECT 1 FROM document_log l WHERE l.document_id = d.id) ORDER BY 1");
  std::vector<std::string> out;
  while (stmt.step()) out.push_back(stmt.column_text(0));
  return out;
}

void Database::add_contribution(std::string_view document, std::int64_t participant_id,
                                std::int64_t inserted, std::int64_t deleted) {
  if (!contribution_stmt_.valid()) {
    contribution_stmt_ = conn_.prepare(
        "INSERT INTO contributions(document, participant_id, inserted, deleted, updates) "
        "VALUES(?1, ?2, ?3, ?4, 1) ON CONFLICT(document, participant_id) DO UPDATE SET "
        "inserted = inserted + ?3, deleted = deleted + ?4, updates = updates + 1");
  }
  contribution_stmt_.bind(1, document)
      .bind(2, participant_id)
      .bind(3, inserted)
      .bind(4, deleted)
      .run();
}

std::vector<ContributionRow> Database::contributions(std::string_view document_prefix) {
  auto stmt = conn_.prepare(
      "SELECT document, participant_id, inserted, deleted, updates FROM contributions "
      "WHERE substr(document, 1, length(?1)) = ?1 ORDER BY document, participant_id");
  stmt.bind(1, document_prefix);
  std::vector<ContributionRow> out;
  while (stmt.step()) {
    out.push_back({stmt.column_text(0), stmt.column_int(1), stmt.column_int(2), stmt.column_int(3),
                   stmt.column_int(4)});
  }
  return out;
}

std::vector<std::string> Database::check() {
  std::vector<std::string> problems;
  {
    auto stmt = conn_.prepare("PRAGMA integrity_check");
    while (stmt.step()) {
      auto line = stmt.column_text(0);
      if (line != "ok") problems.push_back("integrity: " + line);
    }
  }
  {
    auto stmt = conn_.prepare("PRAGMA foreign_key_check");
    while (stmt.step()) {
      problems.push_back("foreign key: table " + stmt.column_text(0) + " row " +
                         std::to_string(stmt.column_int(1)) + " -> " + stmt.column_text(2));
    }
  }
  const int version = schema_version();
  if (version != kSchemaVersion) {
    problems.push_back("schema version " + std::to_string(version) + ", expected " +
                       std::to_string(kSchemaVersion));
    return problems;
  }
  {
    // A log entry at or below its snapshot's seq should have been deleted by the compaction
    // that produced the snapshot (both happen in one transaction).
    auto stmt = conn_.prepare(
        "SELECT d.name, count(*) FROM document_log l JOIN document_ids i ON i.id = "
        "l.document_id JOIN documents d ON d.name = i.name WHERE l.seq <= d.snapshot_seq "
        "GROUP BY d.name");
    while (stmt.step()) {
      problems.push_back("document " + stmt.column_text(0) + ": " +
                         std::to_string(stmt.column_int(1)) +
                         " log entries already covered by the snapshot");
    }
  }
  {
    auto stmt = conn_.prepare(
        "SELECT t.participant_id FROM tokens t LEFT JOIN participants p ON p.id = "
        "t.participant_id WHERE p.id IS NULL");
    while (stmt.step()) {
      problems.push_back("token for unknown participant " + std::to_string(stmt.column_int(0)));
    }
  }
  return problems;
}

void Database::backup_to(const std::filesystem::path& dest) {
  std::error_code ec;
  if (std::filesystem::exists(dest, ec)) {
    throw Error(-1, "backup destination '" + dest.string() + "' already exists");
  }
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(dest.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot create '" + dest.string() + "': " + sqlite3_errstr(rc);
    sqlite3_close(out);
    throw Error(rc, msg);
  }
  sqlite3_backup* backup = sqlite3_backup_init(out, "main", conn_.handle(), "main");
  if (backup == nullptr) {
    std::string msg = std::string("backup: ") + sqlite3_errmsg(out);
    sqlite3_close(out);
    throw Error(-1, msg);
  }
  // Copy in steps so that a busy server is never blocked for long; SQLite restarts the copy
  // by itself if the source changes between steps through another connection.
  do {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  const int final_rc = sqlite3_errcode(out);
  sqlite3_close(out);
  if (rc != SQLITE_DONE || final_rc != SQLITE_OK) {
    std::filesystem::remove(dest, ec);
    throw Error(rc, std::string("backup failed: ") + sqlite3_errstr(rc));
  }
}

}  // namespace napc::storage
