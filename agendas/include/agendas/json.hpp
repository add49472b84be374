// The model back to JSON, in the file format of agendas/schema (for the server's REST API and
// for exports). A template written by to_json validates and reads back to the same template.
#pragma once

#include <nlohmann/json.hpp>

#include <agendas/model.hpp>

namespace napc::agendas {

nlohmann::json to_json(const Localized& text);
/** A section as in an outline's "sections" array. */
nlohmann::json to_json(const Section& section);
nlohmann::json to_json(const Outline& outline);
/**
 * A template in the template file format. Polls that named an `option_set` are written with
 * their resolved `options` (so the result stands alone); the outline reference is written with
 * an explicit `include` list and the extra sections.
 */
nlohmann::json to_json(const Template& tpl);

}  // namespace napc::agendas
