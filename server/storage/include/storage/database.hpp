#pragma once
// The NAP Consult database: schema, forward migrations, and the row-level operations the rest of
// the server builds on. Storage knows bytes and rows; it does not know Yjs or the network.
//
// On-disk layout (schema version kSchemaVersion, PRAGMA user_version):
//   consultations(id, title, template_id, created_at, template_source, template_json,
//                 agenda_updated_at)
//   sections(consultation_id, key, title, position, number, pillar, kind, editors, ...,
//            definition, retired)
//   agenda_blocks(consultation_id, position, kind day|phase, key, titles, start/length)
//   agenda_items(consultation_id, position, parent, depth, block, key, kind, titles, ...,
//                planned and actual times)      the agenda, flattened in pre-order
//   invitations(id, consultation_id, code, role, constituency, max_uses, uses, expires_at)
//   participants(id, consultation_id, display_name, organisation, constituency, role, ...)
//   tokens(hash = SHA-256 of the bearer token, participant_id, created_at, revoked)
//   documents(name, snapshot, snapshot_seq, created_at, updated_at)   one compacted state per doc
//   document_ids(id, name)                                             a number for each log
//   document_log(document_id, seq, data, participant_id, created_at)  the append-only log,
//                WITHOUT ROWID, clustered on (document_id, seq)
//   contributions(document, participant_id, inserted, deleted, updates)
// A document's state is its snapshot followed by its log entries with seq > snapshot_seq, in
// seq order. (Before version 3 the log was document_updates(document, seq, ...), a rowid table
// with the name in every row: reading a long log cost an index and a table lookup per row.)
//
// Thread safety: none; a Database belongs to one thread (see StorageThread).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sqlite.hpp"

namespace napc::storage {

// DO NOT CHANGE existing migrations: they are applied to databases in the field. Add new ones.
inline constexpr int kSchemaVersion = 3;

struct OpenOptions {
  // synchronous=FULL survives power loss; NORMAL (the default) survives a process crash.
  bool synchronous_full = false;
  bool read_only = false;
};

struct ConsultationRow {
  std::string id;
  std::string title;
  std::string template_id;
  std::int64_t created_at = 0;
};

struct SectionRow {
  std::string key;
  std::string title;
  std::int64_t position = 0;
  std::string number;  // display number ("10.1"); may be empty
  std::string pillar;  // 4P pillar, or "none"
  std::string kind = "richtext";
  std::string editors;         // comma-separated roles that may edit the document
  std::string constituencies;  // comma-separated; if non-empty, editors must also be of these
  bool locked = false;
  // The section as the template describes it (agendas' outline JSON: titles in three languages,
  // guiding questions, table columns); "" for sections created before schema version 2.
  std::string definition;
  // Kept after an agenda replacement whose template no longer has it: the document stays, the
  // section is read-only and listed after the template's sections.
  bool retired = false;
};

// Which template a consultation's agenda came from.
struct TemplateRecord {
  std::string id;      // the template's id ("" when created from the bare outline)
  std::string source;  // "library" (a shipped template), "file" (CLI), "upload" (HTTP), or ""
  std::string json;    // the validated template (normalised JSON) for file and upload; else ""
  std::optional<std::int64_t> agenda_updated_at;  // last agenda replacement, if any
};

// A day (synchronous schedule) or a phase (written consultation) of the agenda.
struct AgendaBlockRow {
  std::int64_t position = 0;  // index in the template's days or phases
  std::string kind;           // "day" | "phase"
  std::string key;
  std::string title_en;
  std::string title_fr;
  std::string title_es;
  std::int64_t start_minute = 0;  // day: minutes after midnight
  std::int64_t minutes = 0;       // day: length
  std::int64_t offset_days = 0;   // phase: days after the opening
  std::int64_t length_days = 0;   // phase: length
};

// One agenda item. Items are stored flattened in pre-order (a parent before its sub-items), so
// `position` is also the running order.
struct AgendaItemRow {
  std::int64_t position = 0;
  std::optional<std::int64_t> parent;  // position of the parent item; none at top level
  std::int64_t depth = 0;
  std::int64_t block = 0;  // AgendaBlockRow::position
  std::string key;
  std::string kind;  // presentation|plenary|breakout|drafting|vote|qa|break|admin
  std::string title_en;
  std::string title_fr;
  std::string title_es;
  std::string description;           // JSON {"en","fr","es"}, or "" when the template has none
  std::int64_t planned_minutes = 0;  // 0 for phase items (they span their phase)
  // Day items: minutes after midnight of their day. Phase items: minutes after the opening.
  std::int64_t planned_start = 0;
  std::int64_t planned_end = 0;
  // JSON arrays in the template file format (agendas/schema): linked section keys, suggested
  // polls with their options resolved, breakout groups, guiding questions.
  std::string sections = "[]";
  std::string polls = "[]";
  std::string breakout_groups = "[]";
  std::string guiding_questions = "[]";
  std::string basis;
  std::optional<std::int64_t> actual_start;  // unix seconds; none until the item is run
  std::optional<std::int64_t> actual_end;
};

struct AgendaRows {
  std::vector<AgendaBlockRow> blocks;
  std::vector<AgendaItemRow> items;
};

struct InvitationRow {
  std::int64_t id = 0;
  std::string consultation_id;
  std::string code;
  std::string role;
  std::string constituency;
  std::int64_t max_uses = 0;
  std::int64_t uses = 0;
  std::optional<std::int64_t> expires_at;
};

struct ParticipantRow {
  std::int64_t id = 0;
  std::string consultation_id;
  std::string display_name;
  std::string organisation;
  std::string constituency;
  std::string role;
  std::int64_t created_at = 0;
};

// One log entry as read; `data` points into the StoredLog it came from.
struct StoredUpdate {
  std::int64_t seq = 0;
  std::span<const std::uint8_t> data;
};

// A run of a document's log entries, in seq order, in one buffer: reading 100,000 small updates
// costs two growing allocations, not 100,000 (the cold load of a long log is dominated by fresh
// memory, docs/benchmarks.md §2).
class StoredLog {
 public:
  class Iterator {
   public:
    using value_type = StoredUpdate;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const StoredLog* log, std::size_t i) : log_(log), i_(i) {}
    StoredUpdate operator*() const { return (*log_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    Iterator operator++(int) {
      auto old = *this;
      ++i_;
      return old;
    }
    bool operator==(const Iterator& other) const { return i_ == other.i_; }

   private:
    const StoredLog* log_ = nullptr;
    std::size_t i_ = 0;
  };

  void reserve(std::size_t entries, std::size_t bytes);
  void push_back(std::int64_t seq, std::span<const std::uint8_t> data);
  StoredUpdate operator[](std::size_t i) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The entries' data bytes together.
  std::size_t bytes() const { return data_.size(); }
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, entries_.size()}; }

 private:
  struct Entry {
    std::int64_t seq;
    std::size_t end;  // offset in data_ one past this entry's bytes
  };
  Bytes data_;
  std::vector<Entry> entries_;
};

struct StoredDocument {
  Bytes snapshot;                 // empty for a new document (and in every part but the first)
  std::int64_t snapshot_seq = 0;  // log entries up to this seq are folded into the snapshot
  StoredLog updates;              // seq > snapshot_seq, ascending
  std::int64_t next_seq = 1;      // one past the last log entry read so far
  std::size_t log_bytes = 0;      // the bytes of `updates`
  // load_document_parts: false while more parts follow. load_document: always true.
  bool complete = true;
  // load_document_parts: released when this part is destroyed, which lets the reader go on.
  std::shared_ptr<void> pacing;
};

// How load_document_parts cuts a log into parts and paces its reading.
struct PartOptions {
  // A part ends once it holds this many bytes or entries: small enough that its two buffers come
  // from the heap (glibc serves 128 KiB and more with mmap in the server) and are reused.
  std::size_t bytes = 16u << 10;
  std::size_t entries = 1024;
  // The reader waits while this many parts are still held by the consumer (0: never waits), for
  // at most `wait_budget` in all. A reader far ahead of its consumer holds the whole log in
  // fresh memory, which costs a page fault per 4 KiB.
  std::size_t in_flight = 3;
  std::chrono::milliseconds wait_budget{50};
};
struct ContributionRow {
  std::string document;
  std::int64_t participant_id = 0;
  std::int64_t inserted = 0;
  std::int64_t deleted = 0;
  std::int64_t updates = 0;
};

class Database {
 public:
  // Opens or creates the database and migrates it to kSchemaVersion. Throws storage::Error,
  // also when the file was written by a newer schema than this binary knows.
  explicit Database(const std::string& path, OpenOptions options = {});

  Connection& connection() { return conn_; }
  // The file it was opened from.
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  int schema_version();

  // Consultations and their sections.
  void insert_consultation(const ConsultationRow& row);
  std::optional<ConsultationRow> find_consultation(std::string_view id);
  std::vector<ConsultationRow> list_consultations();
  void insert_section(std::string_view consultation_id, const SectionRow& row);
  std::vector<SectionRow> sections(std::string_view consultation_id);
  std::optional<SectionRow> find_section(std::string_view consultation_id, std::string_view key);
  // Rewrites every column of an existing section (matched by key) except `locked`.
  void update_section(std::string_view consultation_id, const SectionRow& row);

  // Where the agenda came from. REQUIRES: the consultation exists.
  void set_template_record(std::string_view consultation_id, const TemplateRecord& record);
  TemplateRecord template_record(std::string_view consultation_id);

  // The agenda: replace_agenda deletes the consultation's blocks and items and inserts `agenda`
  // (items in position order, parents first). REQUIRES: inside a transaction.
  void replace_agenda(std::string_view consultation_id, const AgendaRows& agenda);
  AgendaRows agenda(std::string_view consultation_id);

  // True when the document has a snapshot or a log entry (somebody wrote to it).
  bool document_exists(std::string_view name);

  // Invitations and participants.
  std::int64_t insert_invitation(const InvitationRow& row);
  std::optional<InvitationRow> find_invitation_by_code(std::string_view code);
  std::vector<InvitationRow> invitations(std::string_view consultation_id);
  // Consumes one use if the invitation still has one. Returns false when exhausted.
  bool consume_invitation(std::int64_t invitation_id);
  std::int64_t insert_participant(const ParticipantRow& row,
                                  std::optional<std::int64_t> invitation);
  std::optional<ParticipantRow> find_participant(std::int64_t id);

  // Bearer tokens, by SHA-256 hash.
  void insert_token(std::span<const std::uint8_t> hash, std::int64_t participant_id,
                    std::int64_t created_at);
  std::optional<std::int64_t> participant_for_token(std::span<const std::uint8_t> hash);

  // Documents: snapshot + append-only log.
  StoredDocument load_document(std::string_view name);
  // The same, read in one read transaction and handed to `on_part` a part at a time as it is
  // read, so that the caller can apply one part while the next is read (Room::start_loading):
  // the first part carries the snapshot, each part the next run of the log, the last one
  // `complete` and the document's next seq. Parts are handed over in order, on this thread; a
  // throw from the read or from `on_part` ends the reading.
  void load_document_parts(std::string_view name,
                           const std::function<void(StoredDocument)>& on_part,
                           const PartOptions& options = {});
  // Appends one log entry. REQUIRES: inside a transaction; seq is the document's next seq.
  void append_update(std::string_view name, std::int64_t seq, std::span<const std::uint8_t> data,
                     std::optional<std::int64_t> participant_id, std::int64_t created_at);
  // Replaces the snapshot with `snapshot` (the state up to and including `upto_seq`) and deletes
  // the log entries it covers, in one transaction.
  void compact_document(std::string_view name, std::span<const std::uint8_t> snapshot,
                        std::int64_t upto_seq, std::int64_t now);
  std::vector<std::string> document_names();

  // Contribution ledger. REQUIRES: inside a transaction.
  void add_contribution(std::string_view document, std::int64_t participant_id,
                        std::int64_t inserted, std::int64_t deleted);
  std::vector<ContributionRow> contributions(std::string_view document_prefix);

  // `db check`: integrity_check, foreign keys, schema version and log/snapshot consistency.
  // Returns the problems found; empty means healthy.
  std::vector<std::string> check();
  // `db backup`: an online copy with SQLite's backup API; `dest` must not exist.
  void backup_to(const std::filesystem::path& dest);

 private:
  std::string path_;
  bool read_only_ = false;
  void migrate();
  // The log's number for a document; with `create`, one is made if it has none (REQUIRES: inside
  // a transaction then).
  std::optional<std::int64_t> document_id(std::string_view name, bool create);

  Connection conn_;
  // Cached for the hot path (group commit of document updates).
  Statement append_stmt_;
  Statement contribution_stmt_;
  Statement document_id_stmt_;
  // document_ids rows seen or made by this connection. Ids are never deleted or renumbered, so
  // the cache only goes stale when a transaction that made one rolls back: a rollback hook
  // clears it.
  std::map<std::string, std::int64_t, std::less<>> document_ids_;
};

// Seconds since the Unix epoch.
std::int64_t unix_now();

}  // namespace napc::storage
