#include "consult/templates.hpp"

#include <stdexcept>

#include <agendas/agendas.hpp>

namespace napc::consult {
namespace {

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
  return row;
}

const agendas::Library& library() {
  // Loaded once; a loaded Library is immutable and safe to share.
  static const agendas::Library kLibrary = agendas::Library::load_default();
  return kLibrary;
}

}  // namespace

TemplateSections sections_for_template(std::string_view template_id) {
  const auto& lib = library();
  TemplateSections out;
  if (!template_id.empty()) {
    const auto* tpl = lib.find(template_id);
    if (tpl == nullptr) {
      std::string known;
      for (const auto& t : lib.list()) known += (known.empty() ? "" : ", ") + t.id;
      throw std::invalid_argument("unknown agenda template '" + std::string(template_id) +
                                  "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    out.template_id = tpl->id;
    out.outline_id = tpl->outline_id;
    for (const auto& s : agendas::consultation_sections(*tpl)) out.sections.push_back(to_row(s));
    return out;
  }
  if (lib.outlines().empty()) {
    throw std::invalid_argument("the agenda library has no NAP outline (looked in " +
                                agendas::default_dir().string() + ")");
  }
  const auto& outline = lib.outlines().front();
  out.outline_id = outline.id;
  for (const auto& s : outline.sections) out.sections.push_back(to_row(s));
  return out;
}

}  // namespace napc::consult
