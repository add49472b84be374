#pragma once
// What a consultation stores from the agenda template it is created from (issue 5): its NAP
// sections, its agenda (days or phases, items flattened in pre-order with their sub-items,
// breakout groups, linked sections, suggested polls and guiding questions) and which template it
// was. The template is a shipped one (`--template ID`), the bare default NAP outline (no
// template: sections only, no agenda), or the facilitator's own (`--template-file FILE`, or an
// upload to PUT /api/consultations/<id>/agenda), validated by the agenda library (agendas/) with
// exactly the errors `napconsult agendas validate` prints.
//
// The agenda library's types stay behind this header: callers see storage rows and JSON.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.hpp"

namespace napc::consult {

// Everything a consultation stores from its template.
struct TemplatePlan {
  storage::TemplateRecord record;  // id, source ("library", "file", "upload", ""), JSON
  std::string outline_id;
  std::vector<storage::SectionRow> sections;  // in order; positions are assigned on insert
  storage::AgendaRows agenda;
};

// One problem with a template, as the agenda library reports it: `FILE:/pointer: message`, or
// for syntax and limit errors found in the text `FILE:LINE:COLUMN: message`.
struct TemplateIssue {
  std::string file;
  std::string pointer;
  std::string message;
  int line = 0;  // 1-based; 0 when the problem has a pointer instead
  int column = 0;

  std::string to_string() const;  // the agendas CLI's rendering
};

// A validated plan, or every problem found (then `plan` is empty).
struct TemplateOutcome {
  std::optional<TemplatePlan> plan;
  std::vector<TemplateIssue> issues;  // the first agendas::kMaxListedIssues, then a summary line
  std::size_t issue_count = 0;        // every problem found
};

// A shipped template by id; "" gives the default NAP outline's sections and no agenda. Throws
// std::invalid_argument naming the problem (unknown template, no outline available).
TemplatePlan plan_for_template(std::string_view template_id);

// The facilitator's own template, from text (an upload; `file` names it in the issues) or from a
// file. `source` is stored with the consultation ("upload" or "file"). Size and nesting limits
// are checked before the text is parsed (max_template_bytes()).
TemplateOutcome plan_from_text(std::string_view text, std::string_view file,
                               std::string_view source);
TemplateOutcome plan_from_file(const std::filesystem::path& path);

// The agenda library's cap on a template's size, in bytes (uploads larger than this are 413).
std::size_t max_template_bytes();

// A shipped template in the template file format; null when the library has no such id.
nlohmann::json library_template_json(std::string_view template_id);

// [{"file", "pointer", "message"[, "line", "column"]}, ...]
nlohmann::json issues_json(const std::vector<TemplateIssue>& issues);

// The stored agenda as the REST API returns it (see server/README.md):
// {"schedule": "days"|"phases"|"none", "blocks": [...], "items": [...]}, items flat in running
// order with `parent` (position) and `depth`.
nlohmann::json agenda_json(const storage::AgendaRows& agenda);

}  // namespace napc::consult
