#pragma once
// Which NAP sections a new consultation gets: those of the agenda template named by
// `--template`, or, without one, the sections of the default NAP outline (Tool 13, domain §3),
// both from the agenda library (agendas/).
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace napc::consult {

struct TemplateSections {
  std::string template_id;  // as stored on the consultation ("" for the bare outline)
  std::string outline_id;
  std::vector<storage::SectionRow> sections;
};

// Throws std::invalid_argument naming the problem (unknown template, no outline available).
TemplateSections sections_for_template(std::string_view template_id);

}  // namespace napc::consult
