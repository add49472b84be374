// Agendas in storage and in the consultation logic (issue 5): migration 1 → 2 keeps existing
// data, the agenda tables round-trip, a consultation created from a template stores its agenda
// in the same transaction, and replacing the agenda retires sections instead of deleting them
// and refuses to change the document kind of a section with content.
#include <filesystem>

#include <gtest/gtest.h>

#include "consult/identity.hpp"
#include "consult/templates.hpp"
#include "storage/database.hpp"

namespace napc {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("napc-agenda-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / name;
}

// The schema as version 1 released it: a database in the field before agendas were stored.
constexpr std::string_view kVersion1Schema = R"sql(
CREATE TABLE consultations (id TEXT PRIMARY KEY, title TEXT NOT NULL,
  template_id TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
CREATE TABLE sections (consultation_id TEXT NOT NULL REFERENCES consultations(id),
  key TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL,
  number TEXT NOT NULL DEFAULT '', pillar TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT 'richtext', editors TEXT NOT NULL DEFAULT '',
  constituencies TEXT NOT NULL DEFAULT '', locked INTEGER NOT NULL DEFAULT 0,
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
INSERT INTO consultations VALUES ('old', 'Before agendas', 'national-validation-workshop', 7);
INSERT INTO sections(consultation_id, key, title, position, editors)
  VALUES ('old', 'introduction', 'Introduction', 0, 'facilitator,drafter');
PRAGMA user_version = 1;
)sql";

storage::AgendaRows two_item_agenda() {
  storage::AgendaRows a;
  storage::AgendaBlockRow day;
  day.kind = "day";
  day.key = "day1";
  day.title_en = "Day";
  day.title_fr = "Jour";
  day.title_es = "Día";
  day.start_minute = 540;
  day.minutes = 120;
  a.blocks.push_back(day);
  storage::AgendaItemRow parent;
  parent.key = "groups";
  parent.kind = "breakout";
  parent.title_en = parent.title_fr = parent.title_es = "Groups";
  parent.planned_minutes = 60;
  parent.planned_start = 540;
  parent.planned_end = 600;
  parent.sections = R"(["introduction"])";
  a.items.push_back(parent);
  storage::AgendaItemRow child = parent;
  child.position = 1;
  child.parent = 0;
  child.depth = 1;
  child.key = "wrap";
  child.kind = "plenary";
  child.planned_minutes = 10;
  child.planned_start = 590;
  child.sections = "[]";
  a.items.push_back(child);
  return a;
}

TEST(AgendaStorage, MigratesAVersion1DatabaseKeepingItsData) {
  const auto path = temp_path("v1.db").string();
  {
    storage::Connection conn(path);
    conn.exec(kVersion1Schema);
  }
  storage::Database db(path);
  EXPECT_EQ(db.schema_version(), storage::kSchemaVersion);
  ASSERT_TRUE(db.find_consultation("old").has_value());
  EXPECT_EQ(db.find_consultation("old")->template_id, "national-validation-workshop");
  const auto sections = db.sections("old");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].definition, "");
  EXPECT_FALSE(sections[0].retired);
  EXPECT_TRUE(db.agenda("old").items.empty());  // created before agendas were stored
  EXPECT_EQ(db.template_record("old").source, "");
  EXPECT_TRUE(db.check().empty());
}

TEST(AgendaStorage, AgendaRoundTripsAndIsReplacedWhole) {
  storage::Database db(":memory:");
  db.insert_consultation({"c", "T", "", 1});
  {
    storage::Transaction tx(db.connection());
    db.replace_agenda("c", two_item_agenda());
    tx.commit();
  }
  auto a = db.agenda("c");
  ASSERT_EQ(a.blocks.size(), 1u);
  EXPECT_EQ(a.blocks[0].title_es, "Día");
  EXPECT_EQ(a.blocks[0].start_minute, 540);
  ASSERT_EQ(a.items.size(), 2u);
  EXPECT_FALSE(a.items[0].parent.has_value());
  EXPECT_EQ(a.items[1].parent, 0);
  EXPECT_EQ(a.items[1].depth, 1);
  EXPECT_EQ(a.items[0].sections, R"(["introduction"])");
  EXPECT_FALSE(a.items[0].actual_start.has_value());

  auto shorter = two_item_agenda();
  shorter.items.pop_back();
  shorter.items[0].key = "plenary";
  {
    storage::Transaction tx(db.connection());
    db.replace_agenda("c", shorter);
    tx.commit();
  }
  a = db.agenda("c");
  ASSERT_EQ(a.items.size(), 1u);
  EXPECT_EQ(a.items[0].key, "plenary");
  EXPECT_TRUE(db.check().empty());
}

TEST(AgendaStorage, ItemsMustReferToTheirBlockAndParentAndAKnownKind) {
  storage::Database db(":memory:");
  db.insert_consultation({"c", "T", "", 1});
  auto orphan = two_item_agenda();
  orphan.items[1].parent = 7;
  {
    storage::Transaction tx(db.connection());
    EXPECT_THROW(db.replace_agenda("c", orphan), storage::Error);
  }
  auto bad_kind = two_item_agenda();
  bad_kind.items[0].kind = "party";
  {
    storage::Transaction tx(db.connection());
    EXPECT_THROW(db.replace_agenda("c", bad_kind), storage::Error);
  }
  EXPECT_TRUE(db.agenda("c").items.empty());
}

TEST(AgendaStorage, TemplateRecordKeepsTheUploadedTemplate) {
  storage::Database db(":memory:");
  db.insert_consultation({"c", "T", "", 1});
  db.set_template_record("c", {"mine", "upload", R"({"id":"mine"})", 42});
  const auto r = db.template_record("c");
  EXPECT_EQ(r.id, "mine");
  EXPECT_EQ(r.source, "upload");
  EXPECT_EQ(r.json, R"({"id":"mine"})");
  EXPECT_EQ(r.agenda_updated_at, 42);
  EXPECT_EQ(db.find_consultation("c")->template_id, "mine");
  EXPECT_THROW(db.set_template_record("nope", {}), storage::Error);
}

// ---- consultation logic over the shipped agenda library ----

TEST(AgendaConsult, CreatingFromATemplateStoresItsAgendaAndSections) {
  storage::Database db(":memory:");
  auto plan = consult::plan_for_template("regional-consultation");
  const auto agenda_items = plan.agenda.items.size();
  ASSERT_GT(agenda_items, 0u);
  const auto c = consult::create_consultation(db, {"Regional", plan});
  EXPECT_EQ(c.agenda_items, agenda_items);
  const auto stored = db.agenda(c.id);
  ASSERT_EQ(stored.items.size(), agenda_items);
  EXPECT_EQ(stored.blocks.at(0).kind, "day");
  for (std::size_t i = 0; i < stored.items.size(); ++i) {
    EXPECT_EQ(stored.items[i].position, static_cast<std::int64_t>(i));
    if (stored.items[i].parent) {
      EXPECT_LT(*stored.items[i].parent, stored.items[i].position);
    }
  }
  const auto record = db.template_record(c.id);
  EXPECT_EQ(record.id, "regional-consultation");
  EXPECT_EQ(record.source, "library");
  EXPECT_EQ(record.json, "");  // found again by id
  EXPECT_EQ(db.sections(c.id).back().key, "regional_findings");
  EXPECT_NE(db.sections(c.id).back().definition.find("\"fr\""), std::string::npos);
}

TEST(AgendaConsult, UnknownTemplatesAndInvalidTextAreRefused) {
  EXPECT_THROW(consult::plan_for_template("no-such-template"), std::invalid_argument);
  const auto out = consult::plan_from_text(R"({"schema_version": 1})", "mine.json", "upload");
  EXPECT_FALSE(out.plan.has_value());
  ASSERT_FALSE(out.issues.empty());
  EXPECT_EQ(out.issues[0].file, "mine.json");
  const auto syntax = consult::plan_from_text("{", "mine.json", "upload");
  ASSERT_EQ(syntax.issues.size(), 1u);
  EXPECT_EQ(syntax.issues[0].line, 1);
  EXPECT_EQ(syntax.issues[0].to_string().rfind("mine.json:1:", 0), 0u);
}

storage::SectionRow section(std::string key, std::string kind) {
  storage::SectionRow s;
  s.key = std::move(key);
  s.title = s.key;
  s.kind = std::move(kind);
  s.editors = "facilitator,drafter";
  return s;
}

TEST(AgendaConsult, ReplacingRetiresSectionsAndKeepsDocuments) {
  storage::Database db(":memory:");
  consult::TemplatePlan first;
  first.sections = {section("intro", "richtext"), section("budget", "table")};
  first.agenda = two_item_agenda();
  const auto c = consult::create_consultation(db, {"T", first});
  {
    const std::uint8_t update[] = {0, 0};
    storage::Transaction tx(db.connection());
    db.append_update(c.id + "/intro", 1, update, std::nullopt, 1);
    tx.commit();
  }
  db.connection().exec("UPDATE sections SET locked = 1 WHERE key = 'budget'");

  // intro has content: its document kind may not change. Nothing is written.
  consult::TemplatePlan kind_change;
  kind_change.record = {"other", "upload", "{}", std::nullopt};
  kind_change.sections = {section("intro", "table")};
  const auto refused = consult::replace_agenda(db, c.id, kind_change, 5);
  ASSERT_TRUE(std::holds_alternative<consult::AgendaConflict>(refused));
  EXPECT_EQ(std::get<consult::AgendaConflict>(refused).sections, std::vector<std::string>{"intro"});
  EXPECT_EQ(db.agenda(c.id).items.size(), 2u);
  EXPECT_EQ(db.find_section(c.id, "intro")->kind, "richtext");

  // budget (empty) may change kind; intro is retired, not deleted; a new section is added.
  consult::TemplatePlan second;
  second.record = {"mine", "upload", R"({"id":"mine"})", std::nullopt};
  second.sections = {section("budget", "richtext"), section("notes", "richtext")};
  const auto replaced = consult::replace_agenda(db, c.id, second, 9);
  ASSERT_TRUE(std::holds_alternative<consult::AgendaReplaced>(replaced));
  const auto& done = std::get<consult::AgendaReplaced>(replaced);
  EXPECT_EQ(done.added, std::vector<std::string>{"notes"});
  EXPECT_EQ(done.retired, std::vector<std::string>{"intro"});
  const auto sections = db.sections(c.id);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].key, "budget");
  EXPECT_EQ(sections[0].kind, "richtext");
  EXPECT_TRUE(sections[0].locked);  // kept across the replacement
  EXPECT_EQ(sections[1].key, "notes");
  EXPECT_EQ(sections[2].key, "intro");
  EXPECT_TRUE(sections[2].retired);
  EXPECT_EQ(db.load_document(c.id + "/intro").updates.size(), 1u);
  EXPECT_TRUE(db.agenda(c.id).items.empty());
  EXPECT_EQ(db.template_record(c.id).agenda_updated_at, 9);

  const auto who = consult::authenticate(db, c.facilitator_token).value();
  EXPECT_FALSE(consult::can_edit(who, sections[2]));  // retired: read-only
  EXPECT_TRUE(consult::can_edit(who, sections[1]));
  const auto view = consult::consultation_view(db, c.id, who);
  EXPECT_EQ(view["sections"][2]["retired"], true);
  EXPECT_EQ(view["sections"][2]["has_document"], true);
  EXPECT_EQ(view["template_source"], "upload");
}

}  // namespace
}  // namespace napc
