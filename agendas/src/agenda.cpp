// A template's agenda as a flat, timed list, and the sections a consultation created from it has.
#include <agendas/model.hpp>

namespace napc::agendas {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

void flatten_items(const std::vector<Item>& items, std::size_t block, int start,
                   std::optional<std::size_t> parent, int depth, std::vector<AgendaEntry>& out) {
  int t = start;
  for (const Item& item : items) {
    AgendaEntry entry;
    entry.position = out.size();
    entry.parent = parent;
    entry.depth = depth;
    entry.block = block;
    entry.item = &item;
    entry.start_minute = t;
    entry.end_minute = t + item.planned_minutes;
    out.push_back(entry);
    flatten_items(item.items, block, t, entry.position, depth + 1, out);
    t += item.planned_minutes;
  }
}

}  // namespace

std::vector<AgendaEntry> flatten_agenda(const Template& tpl) {
  std::vector<AgendaEntry> out;
  for (std::size_t d = 0; d < tpl.days.size(); ++d) {
    flatten_items(tpl.days[d].items, d, tpl.days[d].start_minute, std::nullopt, 0, out);
  }
  for (std::size_t p = 0; p < tpl.phases.size(); ++p) {
    const Phase& phase = tpl.phases[p];
    for (const Item& item : phase.items) {
      AgendaEntry entry;
      entry.position = out.size();
      entry.block = p;
      entry.item = &item;
      entry.start_minute = phase.offset_days * kMinutesPerDay;
      entry.end_minute = (phase.offset_days + phase.length_days) * kMinutesPerDay;
      out.push_back(entry);
    }
  }
  return out;
}

const std::vector<Section>& consultation_sections(const Template& tpl) { return tpl.sections; }

}  // namespace napc::agendas
