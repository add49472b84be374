#include "consult/templates.hpp"

#include <algorithm>
#include <stdexcept>

#include <agendas/agendas.hpp>

namespace napc::consult {
namespace {

using nlohmann::json;

template <typename T>
std::string join(const std::vector<T>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += agendas::to_string(v);
  }
  return out;
}

storage::SectionRow to_row(const agendas::Section& s) {
  storage::SectionRow row;
  row.key = s.key;
  row.title = s.title.en;
  row.number = s.number;
  row.pillar = std::string(agendas::to_string(s.pillar));
  row.kind = std::string(agendas::to_string(s.document.kind));
  row.editors = join(s.editors);
  row.constituencies = join(s.constituencies);
  row.definition = agendas::to_json(s).dump();
  return row;
}

// The JSON of each item of `items` and of its sub-items, in pre-order: the order of
// agendas::flatten_agenda.
void preorder(const json& items, std::vector<const json*>& out) {
  for (const auto& item : items) {
    out.push_back(&item);
    if (const auto it = item.find("items"); it != item.end()) preorder(*it, out);
  }
}

std::string field_or(const json& item, const char* key, std::string fallback) {
  const auto it = item.find(key);
  return it == item.end() ? fallback : it->dump();
}

storage::AgendaRows agenda_rows(const agendas::Template& tpl) {
  // The template in its file format carries every item's polls (options resolved), breakout
  // groups and guiding questions exactly as a client reads them; the flattened agenda gives the
  // order, nesting and planned times. Both walk the items in the same pre-order.
  const json doc = agendas::to_json(tpl);
  storage::AgendaRows out;
  std::vector<const json*> item_json;
  const bool days = !tpl.asynchronous();
  const auto& blocks = doc.at(days ? "days" : "phases");
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    storage::AgendaBlockRow row;
    row.position = static_cast<std::int64_t>(b);
    row.kind = days ? "day" : "phase";
    if (days) {
      const auto& day = tpl.days[b];
      row.key = day.key;
      row.title_en = day.title.en;
      row.title_fr = day.title.fr;
      row.title_es = day.title.es;
      row.start_minute = day.start_minute;
      row.minutes = day.minutes;
    } else {
      const auto& phase = tpl.phases[b];
      row.key = phase.key;
      row.title_en = phase.title.en;
      row.title_fr = phase.title.fr;
      row.title_es = phase.title.es;
      row.offset_days = phase.offset_days;
      row.length_days = phase.length_days;
    }
    out.blocks.push_back(std::move(row));
    preorder(blocks[b].at("items"), item_json);
  }
  const auto entries = agendas::flatten_agenda(tpl);
  if (entries.size() != item_json.size()) {
    throw std::logic_error("agenda: flattened items and template JSON disagree");
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const auto& item = *e.item;
    const auto& j = *item_json[i];
    if (j.at("key") != item.key) throw std::logic_error("agenda: item order mismatch");
    storage::AgendaItemRow row;
    row.position = static_cast<std::int64_t>(e.position);
    if (e.parent) row.parent = static_cast<std::int64_t>(*e.parent);
    row.depth = e.depth;
    row.block = static_cast<std::int64_t>(e.block);
    row.key = item.key;
    row.kind = std::string(agendas::to_string(item.kind));
    row.title_en = item.title.en;
    row.title_fr = item.title.fr;
    row.title_es = item.title.es;
    row.description = item.description ? agendas::to_json(*item.description).dump() : "";
    row.planned_minutes = item.planned_minutes;
    row.planned_start = e.start_minute;
    row.planned_end = e.end_minute;
    row.sections = json(item.sections).dump();
    row.polls = field_or(j, "polls", "[]");
    row.breakout_groups = field_or(j, "breakout_groups", "[]");
    row.guiding_questions = field_or(j, "guiding_questions", "[]");
    row.basis = item.basis;
    out.items.push_back(std::move(row));
  }
  return out;
}

TemplatePlan plan_from(const agendas::Template& tpl, std::string_view source) {
  TemplatePlan plan;
  plan.record.id = tpl.id;
  plan.record.source = std::string(source);
  // A shipped template can be found again by its id; the facilitator's own is kept whole.
  if (source != "library") plan.record.json = agendas::to_json(tpl).dump();
  plan.outline_id = tpl.outline_id;
  for (const auto& s : agendas::consultation_sections(tpl)) plan.sections.push_back(to_row(s));
  plan.agenda = agenda_rows(tpl);
  return plan;
}

TemplateOutcome outcome(const agendas::Loaded<agendas::Template>& loaded, std::string_view source) {
  TemplateOutcome out;
  for (const auto& issue : loaded.issues) {
    out.issues.push_back({issue.file, issue.pointer, issue.message, issue.line, issue.column});
  }
  out.issue_count = std::max(loaded.issue_count, out.issues.size());
  if (loaded.ok() && out.issues.empty()) out.plan = plan_from(*loaded.value, source);
  return out;
}

}  // namespace

std::string TemplateIssue::to_string() const {
  return agendas::Issue{file, pointer, message, line, column}.to_string();
}

std::size_t max_template_bytes() { return agendas::Limits{}.max_bytes; }

TemplatePlan plan_for_template(std::string_view template_id) {
  const auto& lib = agendas::default_library();
  if (!template_id.empty()) {
    const auto* tpl = lib.find(template_id);
    if (tpl == nullptr) {
      std::string known;
      for (const auto& t : lib.list()) known += (known.empty() ? "" : ", ") + t.id;
      throw std::invalid_argument("unknown agenda template '" + std::string(template_id) +
                                  "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    return plan_from(*tpl, "library");
  }
  if (lib.outlines().empty()) {
    throw std::invalid_argument("the agenda library has no NAP outline (looked in " +
                                agendas::default_dir().string() + ")");
  }
  TemplatePlan plan;
  const auto& outline = lib.outlines().front();
  plan.outline_id = outline.id;
  for (const auto& s : outline.sections) plan.sections.push_back(to_row(s));
  return plan;
}

TemplateOutcome plan_from_text(std::string_view text, std::string_view file,
                               std::string_view source) {
  return outcome(agendas::default_library().parse_template(text, file), source);
}

TemplateOutcome plan_from_file(const std::filesystem::path& path) {
  return outcome(agendas::default_library().load_template_file(path), "file");
}

json library_template_json(std::string_view template_id) {
  const auto* tpl = agendas::default_library().find(template_id);
  return tpl == nullptr ? json(nullptr) : agendas::to_json(*tpl);
}

json issues_json(const std::vector<TemplateIssue>& issues) {
  json out = json::array();
  for (const auto& i : issues) {
    json j = {{"file", i.file}, {"pointer", i.pointer}, {"message", i.message}};
    if (i.line > 0) {
      j["line"] = i.line;
      j["column"] = i.column;
    }
    out.push_back(std::move(j));
  }
  return out;
}

namespace {

std::string clock(std::int64_t minute) { return agendas::format_clock(static_cast<int>(minute)); }

json parse_or(const std::string& text, json fallback) {
  if (text.empty()) return fallback;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

}  // namespace

json agenda_json(const storage::AgendaRows& agenda) {
  json blocks = json::array();
  bool days = false;
  bool phases = false;
  for (const auto& b : agenda.blocks) {
    json j = {{"position", b.position},
              {"kind", b.kind},
              {"key", b.key},
              {"title", {{"en", b.title_en}, {"fr", b.title_fr}, {"es", b.title_es}}}};
    if (b.kind == "day") {
      days = true;
      j["start"] = clock(b.start_minute);
      j["start_minute"] = b.start_minute;
      j["minutes"] = b.minutes;
      j["end"] = clock(b.start_minute + b.minutes);
    } else {
      phases = true;
      j["offset_days"] = b.offset_days;
      j["length_days"] = b.length_days;
    }
    blocks.push_back(std::move(j));
  }
  json items = json::array();
  for (const auto& i : agenda.items) {
    const bool in_day = i.block >= 0 && static_cast<std::size_t>(i.block) < agenda.blocks.size() &&
                        agenda.blocks[static_cast<std::size_t>(i.block)].kind == "day";
    const auto block_key = static_cast<std::size_t>(i.block) < agenda.blocks.size()
                               ? agenda.blocks[static_cast<std::size_t>(i.block)].key
                               : std::string();
    json j = {{"position", i.position},
              {"key", i.key},
              {"parent", i.parent ? json(*i.parent) : json(nullptr)},
              {"depth", i.depth},
              {"block", block_key},
              {"kind", i.kind},
              {"title", {{"en", i.title_en}, {"fr", i.title_fr}, {"es", i.title_es}}},
              {"description", parse_or(i.description, nullptr)},
              {"planned_minutes", i.planned_minutes},
              {"planned_start", in_day ? json(clock(i.planned_start)) : json(nullptr)},
              {"planned_end", in_day ? json(clock(i.planned_end)) : json(nullptr)},
              {"planned_start_minute", i.planned_start},
              {"planned_end_minute", i.planned_end},
              {"sections", parse_or(i.sections, json::array())},
              {"polls", parse_or(i.polls, json::array())},
              {"breakout_groups", parse_or(i.breakout_groups, json::array())},
              {"guiding_questions", parse_or(i.guiding_questions, json::array())},
              {"basis", i.basis},
              {"actual_start", i.actual_start ? json(*i.actual_start) : json(nullptr)},
              {"actual_end", i.actual_end ? json(*i.actual_end) : json(nullptr)}};
    items.push_back(std::move(j));
  }
  return {{"schedule", days ? "days" : (phases ? "phases" : "none")},
          {"blocks", std::move(blocks)},
          {"items", std::move(items)}};
}

}  // namespace napc::consult
