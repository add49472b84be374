// Reading agenda templates: schema rules, cross-references to the outline and option sets, and
// the duration rules (sub-items fit their parent; items fit their day).
#include <algorithm>
#include <string>
#include <utility>

#include "readers.hpp"

namespace napc::agendas::detail {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

std::string span_text(int start, int end) { return format_clock(start) + "–" + format_clock(end); }

/// Where an item sits: in a day (timed, may have sub-items) or in a phase (spans the phase).
struct Slot {
  bool in_phase = false;
  int start_minute = 0;  // for timed items: clock time the item starts
  int depth = 0;
};

class TemplateReader {
 public:
  TemplateReader(Ctx& ctx, const Library& library) : ctx_(ctx), library_(library) {}

  std::optional<Template> read(const json& doc);

 private:
  void read_outline_ref(Obj& root);
  void read_days(const json& days);
  void read_phases(const json& phases);
  std::vector<Item> read_items(const json& items, const std::string& pointer, Slot slot,
                               int limit_minutes, std::string_view container);
  std::optional<Item> read_item(const json& value, const std::string& pointer, Slot slot);
  std::optional<BreakoutGroup> read_group(const json& value, const std::string& pointer);
  std::optional<Poll> read_poll(const json& value, const std::string& pointer);
  std::vector<std::string> read_section_links(const json* array, const std::string& pointer);

  Ctx& ctx_;
  const Library& library_;
  Template tpl_;
  bool sections_known_ = false;  // false when the outline could not be resolved
  UniqueKeys item_keys_{"item key"};
  UniqueKeys poll_keys_{"poll key"};
  UniqueKeys block_keys_{"day or phase key"};
};

std::optional<Template> TemplateReader::read(const json& doc) {
  Obj root(ctx_, doc, "",
           {"$schema", "schema_version", "id", "title", "description", "kind", "level", "format",
            "delivery", "invited", "safeguards", "basis", "outline", "days", "phases"});
  if (!root.ok()) {
    return std::nullopt;
  }
  const auto before = ctx_.error_count();
  root.text("$schema", Need::optional);
  read_schema_version(ctx_, root);
  tpl_.id = root.ident("id", Need::required, IdStyle::id).value_or("");
  tpl_.title = root.localized("title", Need::required).value_or(Localized{});
  tpl_.description = root.localized("description", Need::required).value_or(Localized{});
  tpl_.kind = root.choice<ConsultationKind>("kind", Need::required, "consultation kind")
                  .value_or(ConsultationKind::validation_workshop);
  tpl_.level = root.choice<Level>("level", Need::required, "level").value_or(Level::national);
  tpl_.format =
      root.choice<Format>("format", Need::required, "format").value_or(Format::conference);
  const auto delivery = root.choice<Delivery>("delivery", Need::required, "delivery");
  tpl_.delivery = delivery.value_or(Delivery::in_person);
  tpl_.invited = read_enum_list<Constituency>(ctx_, root.array("invited", Need::optional, 1),
                                              root.at("invited"), "constituency");
  tpl_.safeguards =
      read_localized_list(ctx_, root.array("safeguards", Need::optional, 1), root.at("safeguards"));
  if (auto basis = read_basis(ctx_, root)) {
    tpl_.basis = std::move(*basis);
  }
  // The outline comes first: items link to its sections.
  read_outline_ref(root);

  const bool has_days = root.has("days");
  const bool has_phases = root.has("phases");
  if (has_days && has_phases) {
    ctx_.error("",
               "has both 'days' and 'phases': use 'days' for a timed agenda, 'phases' for a "
               "written consultation");
  } else if (!has_days && !has_phases) {
    ctx_.error("", "missing required property 'days' (or 'phases' for a written consultation)");
  } else if (has_days) {
    if (delivery == Delivery::asynchronous) {
      ctx_.error("/delivery",
                 "an 'asynchronous' consultation is scheduled in 'phases', not 'days'");
    }
    if (const json* days = root.array("days", Need::required, 1)) {
      read_days(*days);
    }
  } else {
    if (delivery && delivery != Delivery::asynchronous) {
      ctx_.error("/delivery",
                 "a consultation scheduled in 'phases' is written and asynchronous: "
                 "delivery must be 'asynchronous', not '" +
                     std::string(enum_name(*delivery)) + "'");
    }
    if (const json* phases = root.array("phases", Need::required, 1)) {
      read_phases(*phases);
    }
  }
  root.finish();
  if (ctx_.error_count() != before) {
    return std::nullopt;
  }
  tpl_.file = std::string(ctx_.file());
  return std::move(tpl_);
}

void TemplateReader::read_outline_ref(Obj& root) {
  const json* v = root.get("outline", Need::required);
  if (v == nullptr) {
    return;
  }
  Obj obj(ctx_, *v, "/outline", {"id", "include", "extra_sections"});
  if (!obj.ok()) {
    return;
  }
  const auto before = ctx_.error_count();
  const auto id = obj.ident("id", Need::required, IdStyle::id);
  const Outline* outline = nullptr;
  if (id) {
    tpl_.outline_id = *id;
    outline = library_.outline(*id);
    if (outline == nullptr) {
      std::string known;
      for (const auto& o : library_.outlines()) {
        known += (known.empty() ? "" : ", ") + o.id;
      }
      ctx_.error("/outline/id", "unknown outline '" + *id + "'; available: " +
                                    (known.empty() ? std::string("none") : known));
    }
  }
  // include: which outline sections the consultation has (default all), in outline order.
  std::vector<bool> chosen(outline != nullptr ? outline->sections.size() : 0, true);
  if (const json* include = obj.array("include", Need::optional, 0)) {
    std::fill(chosen.begin(), chosen.end(), false);
    UniqueKeys keys("section key");
    for (std::size_t i = 0; i < include->size(); ++i) {
      const auto p = join_pointer("/outline/include", i);
      const auto key = read_ident(ctx_, (*include)[i], p, IdStyle::key);
      if (!key || !keys.add(ctx_, *key, p) || outline == nullptr) {
        continue;
      }
      bool found = false;
      for (std::size_t s = 0; s < outline->sections.size(); ++s) {
        if (outline->sections[s].key == *key) {
          chosen[s] = found = true;
        }
      }
      if (!found) {
        ctx_.error(p, "outline '" + outline->id + "' has no section '" + *key + "'");
      }
    }
  }
  if (outline != nullptr) {
    for (std::size_t s = 0; s < outline->sections.size(); ++s) {
      if (chosen[s]) {
        tpl_.sections.push_back(outline->sections[s]);
        tpl_.sections.back().from_outline = true;
      }
    }
  }
  // extra_sections: the template's own sections, after the outline's.
  std::vector<std::string> extra_pointers;
  const std::size_t first_extra = tpl_.sections.size();
  if (const json* extras = obj.array("extra_sections", Need::optional, 1)) {
    UniqueKeys keys("section key");
    for (std::size_t i = 0; i < extras->size(); ++i) {
      const auto p = join_pointer("/outline/extra_sections", i);
      auto s = read_section(ctx_, (*extras)[i], p);
      if (!s || !keys.add(ctx_, s->key, p + "/key")) {
        continue;
      }
      if (outline != nullptr && outline->find(s->key) != nullptr) {
        ctx_.error(p + "/key", "duplicate section key '" + s->key + "' (outline '" + outline->id +
                                   "' already has it)");
        continue;
      }
      tpl_.sections.push_back(std::move(*s));
      extra_pointers.push_back(p);
    }
  }
  // Row references of extra sections may point at the outline's tables or at other extras.
  std::vector<PlacedSection> placed;
  std::vector<const Section*> all;
  for (std::size_t i = 0; i < tpl_.sections.size(); ++i) {
    all.push_back(&tpl_.sections[i]);
    if (i >= first_extra) {
      placed.push_back({&tpl_.sections[i], extra_pointers[i - first_extra]});
    }
  }
  check_row_refs(ctx_, placed, all);
  obj.finish();
  sections_known_ = outline != nullptr && ctx_.error_count() == before;
}

void TemplateReader::read_days(const json& days) {
  for (std::size_t d = 0; d < days.size(); ++d) {
    const auto p = join_pointer("/days", d);
    Obj obj(ctx_, days[d], p, {"key", "title", "start", "minutes", "items"});
    if (!obj.ok()) {
      continue;
    }
    Day day;
    if (auto key = obj.ident("key", Need::required, IdStyle::key)) {
      block_keys_.add(ctx_, *key, obj.at("key"));
      day.key = *key;
    }
    day.title = obj.localized("title", Need::required).value_or(Localized{});
    std::optional<int> start;
    if (const json* s = obj.get("start", Need::required)) {
      if (s->is_string()) {
        start = parse_clock(s->get_ref<const std::string&>());
      }
      if (!start) {
        ctx_.error(obj.at("start"),
                   "must be a time of day \"HH:MM\" (00:00 to 23:59), not " + s->dump());
      }
    }
    const auto minutes = obj.integer("minutes", Need::required, 1, kMinutesPerDay);
    if (start && minutes && *start + *minutes > kMinutesPerDay) {
      ctx_.error(obj.at("minutes"), "day '" + day.key + "' would run " +
                                        span_text(*start, *start + *minutes) +
                                        ", past midnight; a day ends by 24:00");
    }
    day.start_minute = start.value_or(0);
    day.minutes = minutes.value_or(kMinutesPerDay);
    if (const json* items = obj.array("items", Need::required, 1)) {
      // Without a valid length the overrun rule cannot be applied; skip it (already reported).
      const int limit = (start && minutes) ? *minutes : -1;
      day.items = read_items(*items, obj.at("items"), Slot{false, day.start_minute, 0}, limit,
                             "day '" + day.key + "'");
    }
    obj.finish();
    tpl_.days.push_back(std::move(day));
  }
}

void TemplateReader::read_phases(const json& phases) {
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const auto p = join_pointer("/phases", i);
    Obj obj(ctx_, phases[i], p, {"key", "title", "offset_days", "length_days", "items"});
    if (!obj.ok()) {
      continue;
    }
    Phase phase;
    if (auto key = obj.ident("key", Need::required, IdStyle::key)) {
      block_keys_.add(ctx_, *key, obj.at("key"));
      phase.key = *key;
    }
    phase.title = obj.localized("title", Need::required).value_or(Localized{});
    phase.offset_days = obj.integer("offset_days", Need::required, 0, 366).value_or(0);
    phase.length_days = obj.integer("length_days", Need::required, 1, 366).value_or(1);
    if (const json* items = obj.array("items", Need::required, 1)) {
      phase.items = read_items(*items, obj.at("items"), Slot{true, 0, 0}, -1, "");
    }
    obj.finish();
    tpl_.phases.push_back(std::move(phase));
  }
}

// Reads a list of items that run one after another from slot.start_minute, and applies the
// overrun rule against `limit_minutes` (-1: no limit): the first item whose end passes the limit
// is reported, with the clock times and the totals.
std::vector<Item> TemplateReader::read_items(const json& items, const std::string& pointer,
                                             Slot slot, int limit_minutes,
                                             std::string_view container) {
  std::vector<Item> out;
  int elapsed = 0;
  bool overrun_reported = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto p = join_pointer(pointer, i);
    Slot child = slot;
    child.start_minute = slot.start_minute + elapsed;
    auto item = read_item(items[i], p, child);
    if (!item) {
      continue;
    }
    if (!slot.in_phase && item->planned_minutes > 0) {
      const int begin = slot.start_minute + elapsed;
      elapsed += item->planned_minutes;
      if (limit_minutes >= 0 && elapsed > limit_minutes && !overrun_reported) {
        overrun_reported = true;
        const bool sub = slot.depth > 0;
        ctx_.error(p, std::string(sub ? "sub-item '" : "item '") + item->key + "' runs " +
                          span_text(begin, begin + item->planned_minutes) + " and overruns " +
                          std::string(container) + " (" +
                          span_text(slot.start_minute, slot.start_minute + limit_minutes) + ", " +
                          std::to_string(limit_minutes) +
                          " min): " + (sub ? "sub-items" : "items") + " up to here total " +
                          std::to_string(elapsed) + " min");
      }
    }
    out.push_back(std::move(*item));
  }
  return out;
}

std::optional<Item> TemplateReader::read_item(const json& value, const std::string& pointer,
                                              Slot slot) {
  Obj obj(ctx_, value, pointer,
          {"key", "kind", "title", "description", "planned_minutes", "items", "breakout_groups",
           "sections", "polls", "guiding_questions", "basis"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  Item item;
  if (auto key = obj.ident("key", Need::required, IdStyle::key)) {
    item_keys_.add(ctx_, *key, obj.at("key"));
    item.key = *key;
  }
  const auto kind = obj.choice<ItemKind>("kind", Need::required, "item kind");
  item.kind = kind.value_or(ItemKind::plenary);
  item.title = obj.localized("title", Need::required).value_or(Localized{});
  item.description = obj.localized("description", Need::optional);
  if (slot.in_phase) {
    if (obj.has("planned_minutes")) {
      ctx_.error(obj.at("planned_minutes"),
                 "items of a phase span the whole phase; remove 'planned_minutes'");
    }
    if (obj.has("items")) {
      ctx_.error(obj.at("items"), "items of a phase cannot have sub-items");
    }
  } else {
    item.planned_minutes =
        obj.integer("planned_minutes", Need::required, 1, kMinutesPerDay).value_or(0);
    if (const json* subs = obj.array("items", Need::optional, 1)) {
      Slot child{false, slot.start_minute, slot.depth + 1};
      item.items = read_items(*subs, obj.at("items"), child,
                              item.planned_minutes > 0 ? item.planned_minutes : -1,
                              "its parent '" + item.key + "'");
    }
  }
  if (const json* groups = obj.array("breakout_groups", Need::optional, 1)) {
    if (kind && *kind != ItemKind::breakout && *kind != ItemKind::drafting) {
      ctx_.error(obj.at("breakout_groups"),
                 "only breakout and drafting items have breakout groups (this item is '" +
                     std::string(enum_name(*kind)) + "')");
    }
    UniqueKeys keys("breakout group key");
    for (std::size_t i = 0; i < groups->size(); ++i) {
      const auto p = join_pointer(obj.at("breakout_groups"), i);
      if (auto group = read_group((*groups)[i], p)) {
        keys.add(ctx_, group->key, p + "/key");
        item.groups.push_back(std::move(*group));
      }
    }
  }
  item.sections = read_section_links(obj.array("sections", Need::optional, 1), obj.at("sections"));
  if (const json* polls = obj.array("polls", Need::optional, 1)) {
    for (std::size_t i = 0; i < polls->size(); ++i) {
      if (auto poll = read_poll((*polls)[i], join_pointer(obj.at("polls"), i))) {
        item.polls.push_back(std::move(*poll));
      }
    }
  } else if (kind == ItemKind::vote && !obj.has("polls")) {
    ctx_.error(pointer, "a vote item needs at least one poll in 'polls'");
  }
  item.guiding_questions = read_localized_list(
      ctx_, obj.array("guiding_questions", Need::optional, 1), obj.at("guiding_questions"));
  item.basis = obj.text("basis", Need::optional).value_or("");
  obj.finish();
  // An item with problems is still returned (the template as a whole is refused): its minutes
  // keep counting towards its day, so an overrun is reported together with the other problems.
  return item;
}

std::optional<BreakoutGroup> TemplateReader::read_group(const json& value,
                                                        const std::string& pointer) {
  Obj obj(ctx_, value, pointer, {"key", "title", "pillar", "sections", "guiding_questions"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx_.error_count();
  BreakoutGroup group;
  group.key = obj.ident("key", Need::required, IdStyle::key).value_or("");
  group.title = obj.localized("title", Need::required).value_or(Localized{});
  group.pillar = obj.choice<Pillar>("pillar", Need::optional, "pillar").value_or(Pillar::none);
  group.sections = read_section_links(obj.array("sections", Need::optional, 1), obj.at("sections"));
  group.guiding_questions = read_localized_list(
      ctx_, obj.array("guiding_questions", Need::optional, 1), obj.at("guiding_questions"));
  obj.finish();
  if (ctx_.error_count() != before) {
    return std::nullopt;
  }
  return group;
}

std::optional<Poll> TemplateReader::read_poll(const json& value, const std::string& pointer) {
  Obj obj(ctx_, value, pointer,
          {"key", "question", "method", "pillar", "options", "option_set", "dots",
           "max_dots_per_option", "two_axes"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx_.error_count();
  Poll poll;
  if (auto key = obj.ident("key", Need::required, IdStyle::key)) {
    poll_keys_.add(ctx_, *key, obj.at("key"));
    poll.key = *key;
  }
  poll.question = obj.localized("question", Need::required).value_or(Localized{});
  const auto method = obj.choice<PollMethod>("method", Need::required, "poll method");
  poll.method = method.value_or(PollMethod::single);
  poll.pillar = obj.choice<Pillar>("pillar", Need::optional, "pillar").value_or(Pillar::none);

  const bool has_options = obj.has("options");
  const bool has_set = obj.has("option_set");
  if (method == PollMethod::consent) {
    // design.md §5: consent polls answer on a fixed scale.
    for (const char* key : {"options", "option_set"}) {
      if (obj.has(key)) {
        ctx_.error(obj.at(key), std::string("consent polls use the fixed scale (endorse, agree, "
                                            "agree with reservations, abstain, disagree, block); "
                                            "remove '") +
                                    key + "'");
      }
    }
  } else if (has_options && has_set) {
    ctx_.error(pointer, "give either 'options' or 'option_set', not both");
  } else if (!has_options && !has_set) {
    ctx_.error(pointer, "missing required property 'options' (or 'option_set')");
  } else if (has_options) {
    const json* options = obj.array("options", Need::required, 2);
    UniqueKeys keys("option key");
    for (std::size_t i = 0; options != nullptr && i < options->size(); ++i) {
      const auto p = join_pointer(obj.at("options"), i);
      Obj oo(ctx_, (*options)[i], p, {"key", "label", "basis"});
      if (!oo.ok()) {
        continue;
      }
      PollOption option;
      if (auto key = oo.ident("key", Need::required, IdStyle::key)) {
        keys.add(ctx_, *key, oo.at("key"));
        option.key = *key;
      }
      option.label = oo.localized("label", Need::required).value_or(Localized{});
      option.basis = oo.text("basis", Need::optional).value_or("");
      oo.finish();
      poll.options.push_back(std::move(option));
    }
  } else if (const json* set = obj.get("option_set", Need::required)) {
    const auto p = obj.at("option_set");
    if (!set->is_string()) {
      ctx_.error(p, "must be a string \"file-id/set-key\", not " + std::string(type_name(*set)));
    } else if (const OptionSet* found = library_.option_set(set->get_ref<const std::string&>())) {
      poll.option_set = found->id;
      poll.options = found->options;
    } else {
      std::string known;
      for (const auto& s : library_.option_sets()) {
        known += (known.empty() ? "" : ", ") + s.id;
      }
      ctx_.error(p, "unknown option set '" + set->get<std::string>() +
                        "'; available: " + (known.empty() ? std::string("none") : known));
    }
  }

  if (method && *method != PollMethod::dot) {
    for (const char* key : {"dots", "max_dots_per_option"}) {
      if (obj.has(key)) {
        ctx_.error(obj.at(key), std::string("'") + key +
                                    "' applies only to 'dot' polls (this one is '" +
                                    std::string(enum_name(*method)) + "')");
      }
    }
  } else if (method) {
    poll.dots = obj.integer("dots", Need::optional, 1, 100).value_or(0);
    poll.max_dots_per_option =
        obj.integer("max_dots_per_option", Need::optional, 1, 100).value_or(0);
    if (poll.dots > 0 && poll.max_dots_per_option > poll.dots) {
      ctx_.error(obj.at("max_dots_per_option"), "is " + std::to_string(poll.max_dots_per_option) +
                                                    ", more than the " + std::to_string(poll.dots) +
                                                    " dots a voter has");
    }
  }
  if (method && *method != PollMethod::score) {
    if (obj.has("two_axes")) {
      ctx_.error(obj.at("two_axes"), "'two_axes' applies only to 'score' polls (this one is '" +
                                         std::string(enum_name(*method)) + "')");
    }
  } else if (method) {
    poll.two_axes = obj.boolean("two_axes", Need::optional).value_or(false);
  }
  obj.finish();
  if (ctx_.error_count() != before) {
    return std::nullopt;
  }
  return poll;
}

std::vector<std::string> TemplateReader::read_section_links(const json* array,
                                                            const std::string& pointer) {
  std::vector<std::string> out;
  if (array == nullptr) {
    return out;
  }
  UniqueKeys keys("section link");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto p = join_pointer(pointer, i);
    auto key = read_ident(ctx_, (*array)[i], p, IdStyle::key);
    if (!key || !keys.add(ctx_, *key, p)) {
      continue;
    }
    if (sections_known_ && tpl_.find_section(*key) == nullptr) {
      const Outline* outline = library_.outline(tpl_.outline_id);
      if (outline != nullptr && outline->find(*key) != nullptr) {
        ctx_.error(p,
                   "section '" + *key + "' is left out of this consultation by /outline/include");
      } else {
        ctx_.error(p, "section '" + *key + "' is neither in outline '" + tpl_.outline_id +
                          "' nor in /outline/extra_sections");
      }
    }
    out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace

std::optional<Template> read_template(Ctx& ctx, const json& doc, const Library& library) {
  TemplateReader reader(ctx, library);
  return reader.read(doc);
}

}  // namespace napc::agendas::detail
