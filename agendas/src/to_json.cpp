// The model back to JSON (see agendas/json.hpp).
#include <string>

#include <agendas/json.hpp>

namespace napc::agendas {
namespace {

using nlohmann::json;

json list(const std::vector<Localized>& texts) {
  json out = json::array();
  for (const auto& t : texts) {
    out.push_back(to_json(t));
  }
  return out;
}

template <typename E>
json enum_list(const std::vector<E>& values) {
  json out = json::array();
  for (const E v : values) {
    out.push_back(std::string(to_string(v)));
  }
  return out;
}

json basis_json(const Basis& basis) {
  return {{"sources", basis.sources},
          {"reconstructed", basis.reconstructed},
          {"note", to_json(basis.note)}};
}

json option_json(const PollOption& option) {
  json out = {{"key", option.key}, {"label", to_json(option.label)}};
  if (!option.basis.empty()) {
    out["basis"] = option.basis;
  }
  return out;
}

json poll_json(const Poll& poll) {
  json out = {{"key", poll.key},
              {"question", to_json(poll.question)},
              {"method", std::string(to_string(poll.method))}};
  if (poll.pillar != Pillar::none) {
    out["pillar"] = std::string(to_string(poll.pillar));
  }
  if (poll.method != PollMethod::consent) {
    json options = json::array();
    for (const auto& o : poll.options) {
      options.push_back(option_json(o));
    }
    out["options"] = std::move(options);
  }
  if (poll.dots > 0) {
    out["dots"] = poll.dots;
  }
  if (poll.max_dots_per_option > 0) {
    out["max_dots_per_option"] = poll.max_dots_per_option;
  }
  if (poll.method == PollMethod::score) {
    out["two_axes"] = poll.two_axes;
  }
  return out;
}

json item_json(const Item& item, bool timed) {
  json out = {{"key", item.key},
              {"kind", std::string(to_string(item.kind))},
              {"title", to_json(item.title)}};
  if (item.description) {
    out["description"] = to_json(*item.description);
  }
  if (timed) {
    out["planned_minutes"] = item.planned_minutes;
  }
  if (!item.items.empty()) {
    json subs = json::array();
    for (const auto& sub : item.items) {
      subs.push_back(item_json(sub, timed));
    }
    out["items"] = std::move(subs);
  }
  if (!item.groups.empty()) {
    json groups = json::array();
    for (const auto& g : item.groups) {
      json gj = {{"key", g.key}, {"title", to_json(g.title)}};
      if (g.pillar != Pillar::none) {
        gj["pillar"] = std::string(to_string(g.pillar));
      }
      if (!g.sections.empty()) {
        gj["sections"] = g.sections;
      }
      if (!g.guiding_questions.empty()) {
        gj["guiding_questions"] = list(g.guiding_questions);
      }
      groups.push_back(std::move(gj));
    }
    out["breakout_groups"] = std::move(groups);
  }
  if (!item.sections.empty()) {
    out["sections"] = item.sections;
  }
  if (!item.polls.empty()) {
    json polls = json::array();
    for (const auto& p : item.polls) {
      polls.push_back(poll_json(p));
    }
    out["polls"] = std::move(polls);
  }
  if (!item.guiding_questions.empty()) {
    out["guiding_questions"] = list(item.guiding_questions);
  }
  if (!item.basis.empty()) {
    out["basis"] = item.basis;
  }
  return out;
}

std::string two_digits(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

}  // namespace

json to_json(const Localized& text) { return {{"en", text.en}, {"fr", text.fr}, {"es", text.es}}; }

json to_json(const Section& s) {
  json out = {{"key", s.key}};
  if (!s.number.empty()) {
    out["number"] = s.number;
  }
  out["title"] = to_json(s.title);
  if (s.pillar != Pillar::none) {
    out["pillar"] = std::string(to_string(s.pillar));
  }
  out["editors"] = enum_list(s.editors);
  if (!s.constituencies.empty()) {
    out["constituencies"] = enum_list(s.constituencies);
  }
  if (s.generated_from != GeneratedFrom::none) {
    out["generated_from"] = std::string(to_string(s.generated_from));
  }
  if (!s.guiding_questions.empty()) {
    out["guiding_questions"] = list(s.guiding_questions);
  }
  json doc = {{"kind", std::string(to_string(s.document.kind))}};
  if (s.document.kind == DocumentKind::table) {
    json columns = json::array();
    for (const auto& c : s.document.columns) {
      json cj = {
          {"key", c.key}, {"title", to_json(c.title)}, {"type", std::string(to_string(c.type))}};
      if (c.required) {
        cj["required"] = true;
      }
      if (!c.choices.empty()) {
        json choices = json::array();
        for (const auto& ch : c.choices) {
          choices.push_back({{"key", ch.key}, {"label", to_json(ch.label)}});
        }
        cj["choices"] = std::move(choices);
      }
      if (!c.ref_section.empty()) {
        cj["ref"] = c.ref_section;
      }
      if (c.help) {
        cj["help"] = to_json(*c.help);
      }
      columns.push_back(std::move(cj));
    }
    doc["columns"] = std::move(columns);
  }
  out["document"] = std::move(doc);
  if (!s.basis.empty()) {
    out["basis"] = s.basis;
  }
  return out;
}

json to_json(const Outline& outline) {
  json sections = json::array();
  for (const auto& s : outline.sections) {
    sections.push_back(to_json(s));
  }
  return {{"schema_version", 1},
          {"id", outline.id},
          {"title", to_json(outline.title)},
          {"description", to_json(outline.description)},
          {"basis", basis_json(outline.basis)},
          {"sections", std::move(sections)}};
}

json to_json(const Template& tpl) {
  json out = {{"schema_version", 1},
              {"id", tpl.id},
              {"title", to_json(tpl.title)},
              {"description", to_json(tpl.description)},
              {"kind", std::string(to_string(tpl.kind))},
              {"level", std::string(to_string(tpl.level))},
              {"format", std::string(to_string(tpl.format))},
              {"delivery", std::string(to_string(tpl.delivery))}};
  if (!tpl.invited.empty()) {
    out["invited"] = enum_list(tpl.invited);
  }
  if (!tpl.safeguards.empty()) {
    out["safeguards"] = list(tpl.safeguards);
  }
  out["basis"] = basis_json(tpl.basis);
  // Sections are stored resolved; the outline's own ones are those without a template origin.
  // Sections that are not extra are listed in `include`; the others are written in full.
  json include = json::array();
  json extras = json::array();
  for (const auto& s : tpl.sections) {
    if (s.from_outline) {
      include.push_back(s.key);
    } else {
      extras.push_back(to_json(s));
    }
  }
  json outline = {{"id", tpl.outline_id}, {"include", std::move(include)}};
  if (!extras.empty()) {
    outline["extra_sections"] = std::move(extras);
  }
  out["outline"] = std::move(outline);
  if (!tpl.asynchronous()) {
    json days = json::array();
    for (const auto& d : tpl.days) {
      json items = json::array();
      for (const auto& item : d.items) {
        items.push_back(item_json(item, true));
      }
      days.push_back(
          {{"key", d.key},
           {"title", to_json(d.title)},
           {"start", two_digits(d.start_minute / 60) + ":" + two_digits(d.start_minute % 60)},
           {"minutes", d.minutes},
           {"items", std::move(items)}});
    }
    out["days"] = std::move(days);
  } else {
    json phases = json::array();
    for (const auto& p : tpl.phases) {
      json items = json::array();
      for (const auto& item : p.items) {
        items.push_back(item_json(item, false));
      }
      phases.push_back({{"key", p.key},
                        {"title", to_json(p.title)},
                        {"offset_days", p.offset_days},
                        {"length_days", p.length_days},
                        {"items", std::move(items)}});
    }
    out["phases"] = std::move(phases);
  }
  return out;
}

}  // namespace napc::agendas
