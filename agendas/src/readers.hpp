// Readers of the three file kinds (outline, option sets, template). Each validates and builds
// in one pass; see reader.hpp for how problems are reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <agendas/library.hpp>
#include <agendas/model.hpp>

#include "reader.hpp"

namespace napc::agendas::detail {

inline constexpr int kSchemaVersion = 1;

/** Reads `schema_version` and reports anything but kSchemaVersion. */
void read_schema_version(Ctx& ctx, Obj& root);

std::optional<Basis> read_basis(Ctx& ctx, Obj& parent);

/** One section (outline section or a template's extra section); cross-references unchecked. */
std::optional<Section> read_section(Ctx& ctx, const json& value, const std::string& pointer);

/// A section plus where it was read from, for cross-reference errors.
struct PlacedSection {
  const Section* section;
  std::string pointer;
};

/** Check table columns of kind row_ref point at table sections among `all`. */
void check_row_refs(Ctx& ctx, const std::vector<PlacedSection>& placed,
                    const std::vector<const Section*>& all);

std::optional<Outline> read_outline(Ctx& ctx, const json& doc);

std::vector<OptionSet> read_option_file(Ctx& ctx, const json& doc, bool& ok);

std::optional<Template> read_template(Ctx& ctx, const json& doc, const Library& library);

}  // namespace napc::agendas::detail
