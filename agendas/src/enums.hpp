// JSON spellings of the model's enums. Enumerators are numbered from 0 in declaration order, so
// each table is indexed by the enumerator's value.
// DO NOT CHANGE a spelling: it is the file format (agendas/schema/*.schema.json uses the same).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include <agendas/model.hpp>

namespace napc::agendas::detail {

template <typename E>
struct EnumNames;

#define NAPC_AGENDAS_ENUM_NAMES(E, ...)              \
  template <>                                        \
  struct EnumNames<E> {                              \
    static constexpr std::array kNames{__VA_ARGS__}; \
  }

using namespace std::string_view_literals;

NAPC_AGENDAS_ENUM_NAMES(Lang, "en"sv, "fr"sv, "es"sv);
NAPC_AGENDAS_ENUM_NAMES(ItemKind, "presentation"sv, "plenary"sv, "breakout"sv, "drafting"sv,
                        "vote"sv, "qa"sv, "break"sv, "admin"sv);
NAPC_AGENDAS_ENUM_NAMES(PollMethod, "single"sv, "approval"sv, "dot"sv, "ranked"sv, "score"sv,
                        "consent"sv);
NAPC_AGENDAS_ENUM_NAMES(Pillar, "none"sv, "prevention"sv, "protection"sv, "prosecution"sv,
                        "partnerships"sv);
NAPC_AGENDAS_ENUM_NAMES(Role, "facilitator"sv, "drafter"sv, "participant"sv, "observer"sv);
NAPC_AGENDAS_ENUM_NAMES(Constituency, "government"sv, "employers"sv, "workers"sv,
                        "victim_support"sv, "civil_society"sv, "international"sv, "other"sv);
NAPC_AGENDAS_ENUM_NAMES(Level, "national"sv, "regional"sv, "local"sv);
NAPC_AGENDAS_ENUM_NAMES(Format, "conference"sv, "small-group"sv, "written"sv, "drafting"sv);
NAPC_AGENDAS_ENUM_NAMES(Delivery, "in_person"sv, "hybrid"sv, "online"sv, "asynchronous"sv);
NAPC_AGENDAS_ENUM_NAMES(ConsultationKind, "validation_workshop"sv, "drafting_workshop"sv,
                        "regional_consultation"sv, "written_consultation"sv, "children_session"sv,
                        "training_workshop"sv);
NAPC_AGENDAS_ENUM_NAMES(DocumentKind, "richtext"sv, "table"sv);
NAPC_AGENDAS_ENUM_NAMES(ColumnType, "text"sv, "long_text"sv, "integer"sv, "decimal"sv, "money"sv,
                        "date"sv, "quarter"sv, "choice"sv, "choices"sv, "boolean"sv, "row_ref"sv);
NAPC_AGENDAS_ENUM_NAMES(GeneratedFrom, "none"sv, "consultation_record"sv, "participants"sv,
                        "reference_text"sv);

#undef NAPC_AGENDAS_ENUM_NAMES

// One name per enumerator: a new enumerator without a name fails here.
static_assert(EnumNames<Lang>::kNames.size() == static_cast<std::size_t>(Lang::es) + 1);
static_assert(EnumNames<ItemKind>::kNames.size() == static_cast<std::size_t>(ItemKind::admin) + 1);
static_assert(EnumNames<PollMethod>::kNames.size() ==
              static_cast<std::size_t>(PollMethod::consent) + 1);
static_assert(EnumNames<Pillar>::kNames.size() ==
              static_cast<std::size_t>(Pillar::partnerships) + 1);
static_assert(EnumNames<Role>::kNames.size() == static_cast<std::size_t>(Role::observer) + 1);
static_assert(EnumNames<Constituency>::kNames.size() ==
              static_cast<std::size_t>(Constituency::other) + 1);
static_assert(EnumNames<Level>::kNames.size() == static_cast<std::size_t>(Level::local) + 1);
static_assert(EnumNames<Format>::kNames.size() == static_cast<std::size_t>(Format::drafting) + 1);
static_assert(EnumNames<Delivery>::kNames.size() ==
              static_cast<std::size_t>(Delivery::asynchronous) + 1);
static_assert(EnumNames<ConsultationKind>::kNames.size() ==
              static_cast<std::size_t>(ConsultationKind::training_workshop) + 1);
static_assert(EnumNames<DocumentKind>::kNames.size() ==
              static_cast<std::size_t>(DocumentKind::table) + 1);
static_assert(EnumNames<ColumnType>::kNames.size() ==
              static_cast<std::size_t>(ColumnType::row_ref) + 1);
static_assert(EnumNames<GeneratedFrom>::kNames.size() ==
              static_cast<std::size_t>(GeneratedFrom::reference_text) + 1);

template <typename E>
constexpr std::span<const std::string_view> enum_names() {
  return EnumNames<E>::kNames;
}

template <typename E>
constexpr std::string_view enum_name(E value) {
  const auto index = static_cast<std::size_t>(value);
  return index < EnumNames<E>::kNames.size() ? EnumNames<E>::kNames[index] : "?";
}

template <typename E>
constexpr std::optional<E> enum_from(std::string_view text) {
  const auto& names = EnumNames<E>::kNames;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      return static_cast<E>(i);
    }
  }
  return std::nullopt;
}

}  // namespace napc::agendas::detail
