// Enum spellings, lookups and small helpers of the agenda model.
#include <string>

#include <agendas/model.hpp>

#include "enums.hpp"

namespace napc::agendas {

const std::string& Localized::in(Lang lang) const {
  switch (lang) {
    case Lang::fr:
      return fr;
    case Lang::es:
      return es;
    case Lang::en:
      break;
  }
  return en;
}

std::string_view to_string(ItemKind v) { return detail::enum_name(v); }
std::string_view to_string(PollMethod v) { return detail::enum_name(v); }
std::string_view to_string(Pillar v) { return detail::enum_name(v); }
std::string_view to_string(Role v) { return detail::enum_name(v); }
std::string_view to_string(Constituency v) { return detail::enum_name(v); }
std::string_view to_string(Level v) { return detail::enum_name(v); }
std::string_view to_string(Format v) { return detail::enum_name(v); }
std::string_view to_string(Delivery v) { return detail::enum_name(v); }
std::string_view to_string(ConsultationKind v) { return detail::enum_name(v); }
std::string_view to_string(DocumentKind v) { return detail::enum_name(v); }
std::string_view to_string(ColumnType v) { return detail::enum_name(v); }
std::string_view to_string(GeneratedFrom v) { return detail::enum_name(v); }
std::string_view to_string(Lang v) { return detail::enum_name(v); }

std::optional<ItemKind> item_kind_from(std::string_view text) {
  return detail::enum_from<ItemKind>(text);
}
std::optional<PollMethod> poll_method_from(std::string_view text) {
  return detail::enum_from<PollMethod>(text);
}
std::optional<Pillar> pillar_from(std::string_view text) { return detail::enum_from<Pillar>(text); }
std::optional<Role> role_from(std::string_view text) { return detail::enum_from<Role>(text); }
std::optional<Constituency> constituency_from(std::string_view text) {
  return detail::enum_from<Constituency>(text);
}
std::optional<Lang> lang_from(std::string_view text) { return detail::enum_from<Lang>(text); }

const Section* Outline::find(std::string_view key) const {
  for (const auto& section : sections) {
    if (section.key == key) {
      return &section;
    }
  }
  return nullptr;
}

const Section* Template::find_section(std::string_view key) const {
  for (const auto& section : sections) {
    if (section.key == key) {
      return &section;
    }
  }
  return nullptr;
}

std::string format_clock(int minute) {
  std::string out;
  if (minute < 0) {
    minute = 0;
  }
  if (minute >= 24 * 60) {
    out += '+';
    out += std::to_string(minute / (24 * 60));
    out += "d ";
    minute %= 24 * 60;
  }
  const int hours = minute / 60;
  const int mins = minute % 60;
  out += static_cast<char>('0' + hours / 10);
  out += static_cast<char>('0' + hours % 10);
  out += ':';
  out += static_cast<char>('0' + mins / 10);
  out += static_cast<char>('0' + mins % 10);
  return out;
}

}  // namespace napc::agendas
