// Agenda templates (ILO Tool 11, reconstructed) and NAP outlines (Tool 13, reconstructed): the
// in-memory model a loaded, validated template or outline becomes. The JSON format is described
// by agendas/schema/*.schema.json; see agendas/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace napc::agendas {

/// The three languages every piece of human text is written in.
enum class Lang { en, fr, es };

/// Text in English, French and Spanish. A validated Localized has all three non-empty.
struct Localized {
  std::string en;
  std::string fr;
  std::string es;

  /** @return the text in `lang`. */
  const std::string& in(Lang lang) const;
  friend bool operator==(const Localized&, const Localized&) = default;
};

/// Kind of an agenda item (design.md §5). DO NOT CHANGE the JSON spellings (`to_string`).
enum class ItemKind { presentation, plenary, breakout, drafting, vote, qa, break_, admin };

/// Poll method (design.md §5).
enum class PollMethod { single, approval, dot, ranked, score, consent };

/// 4P pillar of a section, breakout group or poll (domain.md §4.1: Prevention, Protection,
/// Prosecution, Partnerships [S0 613-624]); `none` for cross-cutting sections.
enum class Pillar { none, prevention, protection, prosecution, partnerships };

/// Participant roles (design.md §5).
enum class Role { facilitator, drafter, participant, observer };

/// Constituencies (design.md §5).
enum class Constituency {
  government,
  employers,
  workers,
  victim_support,
  civil_society,
  international,
  other
};

/// Consultation level and format, as stored on a consultation (design.md §5).
enum class Level { national, regional, local };
enum class Format { conference, small_group, written, drafting };  // JSON: "small-group"

/// How people take part.
enum class Delivery { in_person, hybrid, online, asynchronous };

/// What kind of consultation a template sets up (domain.md §1.3, §2).
enum class ConsultationKind {
  validation_workshop,
  drafting_workshop,
  regional_consultation,
  written_consultation,
  children_session,
  training_workshop
};

/// Document kind of a NAP section: co-edited rich text (a CRDT document) or a typed table.
enum class DocumentKind { richtext, table };

/// Type of a table column. `choice`/`choices` take values from Column::choices; `row_ref`
/// refers to a row of the table section named by Column::ref_section.
enum class ColumnType {
  text,
  long_text,
  integer,
  decimal,
  money,
  date,
  quarter,
  choice,
  choices,
  boolean,
  row_ref
};

/// Where a section's content comes from, when the system generates it.
enum class GeneratedFrom { none, consultation_record, participants, reference_text };

std::string_view to_string(ItemKind);
std::string_view to_string(PollMethod);
std::string_view to_string(Pillar);
std::string_view to_string(Role);
std::string_view to_string(Constituency);
std::string_view to_string(Level);
std::string_view to_string(Format);
std::string_view to_string(Delivery);
std::string_view to_string(ConsultationKind);
std::string_view to_string(DocumentKind);
std::string_view to_string(ColumnType);
std::string_view to_string(GeneratedFrom);
std::string_view to_string(Lang);

/** Parse the JSON spelling of an enum value. @return nullopt when `text` is not a value. */
std::optional<ItemKind> item_kind_from(std::string_view text);
std::optional<PollMethod> poll_method_from(std::string_view text);
std::optional<Pillar> pillar_from(std::string_view text);
std::optional<Role> role_from(std::string_view text);
std::optional<Constituency> constituency_from(std::string_view text);
std::optional<Lang> lang_from(std::string_view text);

/// Where a template, outline or option set comes from in the ILO guidance.
struct Basis {
  std::vector<std::string> sources;  ///< e.g. "domain.md §2.3 A", "S0 1647-1652"
  bool reconstructed = false;        ///< true when domain.md marks the content RECONSTRUCTED
  Localized note;                    ///< how the template derives from the sources
};

/// One answer a poll offers.
struct PollOption {
  std::string key;
  Localized label;
  std::string basis;  ///< citation, e.g. "S0 645-670"; may be empty
};

/// A poll suggested for an agenda item; the facilitator opens it during the item.
struct Poll {
  std::string key;  ///< unique within the template
  Localized question;
  PollMethod method = PollMethod::single;
  Pillar pillar = Pillar::none;
  /// The options, already resolved from `option_set` when the JSON named one. Empty for
  /// `consent`, whose scale is fixed (endorse … block, design.md §5).
  std::vector<PollOption> options;
  std::string option_set;       ///< "set-file-id/set-key" the options came from, or empty
  int dots = 0;                 ///< `dot`: dots per voter (0 = server default)
  int max_dots_per_option = 0;  ///< `dot`: cap per option (0 = no cap)
  bool two_axes = false;        ///< `score`: importance × feasibility
};

/// A breakout (or drafting) group of an item.
struct BreakoutGroup {
  std::string key;  ///< unique within its item
  Localized title;
  Pillar pillar = Pillar::none;
  std::vector<std::string> sections;  ///< section keys the group edits
  std::vector<Localized> guiding_questions;
};

/// An agenda item; may have sub-items whose minutes fit inside its own.
struct Item {
  std::string key;  ///< unique within the template (sub-items included)
  ItemKind kind = ItemKind::plenary;
  Localized title;
  std::optional<Localized> description;
  /// Planned minutes (> 0) in a day; 0 for items of a phase, which span their phase.
  int planned_minutes = 0;
  std::vector<Item> items;  ///< sub-items, run one after another from the item's start
  std::vector<BreakoutGroup> groups;
  std::vector<std::string> sections;  ///< linked section keys
  std::vector<Poll> polls;
  std::vector<Localized> guiding_questions;
  std::string basis;  ///< citation for this item; may be empty
};

/// A day of a synchronous consultation: items run one after another from `start_minute`.
struct Day {
  std::string key;
  Localized title;
  int start_minute = 0;  ///< minutes after midnight ("08:30" → 510)
  int minutes = 0;       ///< length of the day; items may not overrun it
  std::vector<Item> items;
};

/// A phase of an asynchronous (written) consultation: its items run side by side for the whole
/// phase.
struct Phase {
  std::string key;
  Localized title;
  int offset_days = 0;  ///< days from the opening of the consultation
  int length_days = 0;
  std::vector<Item> items;
};

/// A column of a typed table document.
struct Choice {
  std::string key;
  Localized label;
};
struct Column {
  std::string key;
  Localized title;
  ColumnType type = ColumnType::text;
  bool required = false;
  std::vector<Choice> choices;  ///< for `choice` / `choices`
  std::string ref_section;      ///< for `row_ref`: key of a table section
  std::optional<Localized> help;
};

struct Document {
  DocumentKind kind = DocumentKind::richtext;
  std::vector<Column> columns;  ///< for `table`
};

/// A section of a NAP (outline) or an extra section a template adds.
struct Section {
  std::string key;     ///< unique; used in document URLs (/ws/doc/<consultation>/<key>)
  std::string number;  ///< display number, e.g. "10.1"; may be empty
  Localized title;
  Pillar pillar = Pillar::none;
  std::vector<Role> editors;                 ///< roles that may edit (empty: nobody edits)
  std::vector<Constituency> constituencies;  ///< if non-empty, editors must also be of these
  GeneratedFrom generated_from = GeneratedFrom::none;
  std::vector<Localized> guiding_questions;
  Document document;
  std::string basis;
  /// In Template::sections: true for the outline's sections, false for the template's extras.
  bool from_outline = false;
};

/// A NAP outline (Tool 13, reconstructed in domain.md §3).
struct Outline {
  std::string id;
  Localized title;
  Localized description;
  Basis basis;
  std::vector<Section> sections;
  std::string file;  ///< where it was loaded from

  /** @return the section with `key`, or nullptr. */
  const Section* find(std::string_view key) const;
};

/// A set of suggested poll options (e.g. priorities for one pillar).
struct OptionSet {
  std::string id;  ///< "file-id/set-key"
  Localized title;
  Pillar pillar = Pillar::none;
  std::vector<PollOption> options;
};

/// An agenda template: a consultation's agenda and the NAP sections it works on.
struct Template {
  std::string id;
  Localized title;
  Localized description;
  ConsultationKind kind = ConsultationKind::validation_workshop;
  Level level = Level::national;
  Format format = Format::conference;
  Delivery delivery = Delivery::in_person;
  std::vector<Constituency> invited;  ///< constituencies the template expects
  std::vector<Localized> safeguards;  ///< rules the facilitator must apply (children, victims)
  Basis basis;
  std::vector<Day> days;      ///< synchronous schedule; exactly one of days/phases is non-empty
  std::vector<Phase> phases;  ///< asynchronous schedule
  std::string outline_id;
  /// The consultation's sections in order: the outline's (all, or those `include`d), then the
  /// template's extra sections.
  std::vector<Section> sections;
  std::string file;  ///< where it was loaded from ("" for uploads without a name)

  bool asynchronous() const { return !phases.empty(); }
  /** @return the section with `key` among `sections`, or nullptr. */
  const Section* find_section(std::string_view key) const;
};

/// One item of a template's agenda, flattened depth-first (parents before their sub-items).
struct AgendaEntry {
  std::size_t position = 0;           ///< index in the flattened agenda
  std::optional<std::size_t> parent;  ///< position of the parent item, for sub-items
  int depth = 0;                      ///< 0 for top-level items
  std::size_t block = 0;              ///< index into Template::days or Template::phases
  const Item* item = nullptr;         ///< points into the Template; valid while it lives
  /// Day schedules: minutes after midnight of the item's day. Phase schedules: minutes after
  /// the opening of the consultation (a phase item spans its phase).
  int start_minute = 0;
  int end_minute = 0;
};

/** Flatten a template's agenda, computing start and end from day starts and planned minutes. */
std::vector<AgendaEntry> flatten_agenda(const Template& tpl);

/** The NAP sections a consultation created from `tpl` should have, in order (= tpl.sections). */
const std::vector<Section>& consultation_sections(const Template& tpl);

/** "HH:MM" for minutes after midnight (values ≥ 24 h wrap to "+1d HH:MM"). */
std::string format_clock(int minute);

}  // namespace napc::agendas
