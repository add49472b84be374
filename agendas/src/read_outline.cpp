// Reading NAP outlines (Tool 13, reconstructed in domain.md §3), their sections and typed table
// documents, and poll option-set files.
#include <string>
#include <utility>

#include "readers.hpp"

namespace napc::agendas::detail {
namespace {

std::optional<Column> read_column(Ctx& ctx, const json& value, const std::string& pointer) {
  Obj obj(ctx, value, pointer, {"key", "title", "type", "required", "choices", "ref", "help"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Column col;
  col.key = obj.ident("key", Need::required, IdStyle::key).value_or("");
  col.title = obj.localized("title", Need::required).value_or(Localized{});
  const auto type = obj.choice<ColumnType>("type", Need::required, "column type");
  col.required = obj.boolean("required", Need::optional).value_or(false);
  if (auto help = obj.localized("help", Need::optional)) {
    col.help = std::move(*help);
  }
  if (type) {
    col.type = *type;
    const bool has_choices = *type == ColumnType::choice || *type == ColumnType::choices;
    if (has_choices) {
      const json* choices = obj.array("choices", Need::required, 2);
      UniqueKeys keys("choice key");
      for (std::size_t i = 0; choices != nullptr && i < choices->size(); ++i) {
        const auto p = join_pointer(obj.at("choices"), i);
        Obj c(ctx, (*choices)[i], p, {"key", "label"});
        Choice choice;
        if (auto key = c.ident("key", Need::required, IdStyle::key)) {
          keys.add(ctx, *key, c.at("key"));
          choice.key = *key;
        }
        choice.label = c.localized("label", Need::required).value_or(Localized{});
        c.finish();
        col.choices.push_back(std::move(choice));
      }
    } else if (obj.has("choices")) {
      ctx.error(obj.at("choices"),
                "only 'choice' and 'choices' columns have choices (this one is '" +
                    std::string(enum_name(*type)) + "')");
    }
    if (*type == ColumnType::row_ref) {
      col.ref_section = obj.ident("ref", Need::required, IdStyle::key).value_or("");
    } else if (obj.has("ref")) {
      ctx.error(obj.at("ref"), "only 'row_ref' columns have 'ref' (this one is '" +
                                   std::string(enum_name(*type)) + "')");
    }
  }
  obj.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return col;
}

std::optional<Document> read_document(Ctx& ctx, const json& value, const std::string& pointer) {
  Obj obj(ctx, value, pointer, {"kind", "columns"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Document doc;
  const auto kind = obj.choice<DocumentKind>("kind", Need::required, "document kind");
  if (kind == DocumentKind::table) {
    doc.kind = DocumentKind::table;
    const json* columns = obj.array("columns", Need::required, 1);
    UniqueKeys keys("column key");
    for (std::size_t i = 0; columns != nullptr && i < columns->size(); ++i) {
      const auto p = join_pointer(obj.at("columns"), i);
      if (auto col = read_column(ctx, (*columns)[i], p)) {
        keys.add(ctx, col->key, join_pointer(p, "key"));
        doc.columns.push_back(std::move(*col));
      }
    }
  } else if (kind == DocumentKind::richtext && obj.has("columns")) {
    ctx.error(obj.at("columns"), "only table documents have columns (this one is 'richtext')");
  }
  obj.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return doc;
}

}  // namespace

void read_schema_version(Ctx& ctx, Obj& root) {
  const json* v = root.get("schema_version", Need::required);
  if (v == nullptr) {
    return;
  }
  if (!v->is_number_integer() || v->get<std::int64_t>() != kSchemaVersion) {
    ctx.error(root.at("schema_version"), "unsupported schema_version " + v->dump() +
                                             "; this library reads version " +
                                             std::to_string(kSchemaVersion));
  }
}

std::optional<Basis> read_basis(Ctx& ctx, Obj& parent) {
  const json* v = parent.get("basis", Need::required);
  if (v == nullptr) {
    return std::nullopt;
  }
  Obj obj(ctx, *v, parent.at("basis"), {"sources", "reconstructed", "note"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Basis basis;
  basis.sources = read_text_list(ctx, obj.array("sources", Need::required, 1), obj.at("sources"));
  basis.reconstructed = obj.boolean("reconstructed", Need::required).value_or(false);
  basis.note = obj.localized("note", Need::required).value_or(Localized{});
  obj.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return basis;
}

std::optional<Section> read_section(Ctx& ctx, const json& value, const std::string& pointer) {
  Obj obj(ctx, value, pointer,
          {"key", "number", "title", "pillar", "editors", "constituencies", "generated_from",
           "guiding_questions", "document", "basis"});
  if (!obj.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Section s;
  s.key = obj.ident("key", Need::required, IdStyle::key).value_or("");
  s.number = obj.text("number", Need::optional).value_or("");
  s.title = obj.localized("title", Need::required).value_or(Localized{});
  s.pillar = obj.choice<Pillar>("pillar", Need::optional, "pillar").value_or(Pillar::none);
  const json* editors = obj.array("editors", Need::required, 0);
  s.editors = read_enum_list<Role>(ctx, editors, obj.at("editors"), "role");
  for (std::size_t i = 0; editors != nullptr && i < editors->size(); ++i) {
    if ((*editors)[i] == "observer") {
      // design.md §1: observers (ILO, UNODC, IOM, …) read; they never vote or edit.
      ctx.error(join_pointer(obj.at("editors"), i),
                "observers read only; they cannot be editors of a section");
    }
  }
  s.constituencies =
      read_enum_list<Constituency>(ctx, obj.array("constituencies", Need::optional, 1),
                                   obj.at("constituencies"), "constituency");
  s.generated_from = obj.choice<GeneratedFrom>("generated_from", Need::optional, "content source")
                         .value_or(GeneratedFrom::none);
  s.guiding_questions = read_localized_list(ctx, obj.array("guiding_questions", Need::optional, 1),
                                            obj.at("guiding_questions"));
  if (const json* doc = obj.get("document", Need::required)) {
    if (auto d = read_document(ctx, *doc, obj.at("document"))) {
      s.document = std::move(*d);
    }
  }
  s.basis = obj.text("basis", Need::optional).value_or("");
  obj.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return s;
}

void check_row_refs(Ctx& ctx, const std::vector<PlacedSection>& placed,
                    const std::vector<const Section*>& all) {
  for (const auto& [section, pointer] : placed) {
    for (std::size_t c = 0; c < section->document.columns.size(); ++c) {
      const Column& col = section->document.columns[c];
      if (col.type != ColumnType::row_ref) {
        continue;
      }
      const Section* target = nullptr;
      for (const Section* s : all) {
        if (s->key == col.ref_section) {
          target = s;
        }
      }
      const auto p =
          join_pointer(join_pointer(join_pointer(pointer, "document"), "columns"), c) + "/ref";
      if (target == nullptr) {
        ctx.error(p, "no section '" + col.ref_section + "' to refer to");
      } else if (target->document.kind != DocumentKind::table) {
        ctx.error(p, "section '" + col.ref_section +
                         "' is not a table; rows can only refer to "
                         "rows of a table section");
      }
    }
  }
}

std::optional<Outline> read_outline(Ctx& ctx, const json& doc) {
  Obj root(ctx, doc, "",
           {"$schema", "schema_version", "id", "title", "description", "basis", "sections"});
  if (!root.ok()) {
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  Outline outline;
  root.text("$schema", Need::optional);
  read_schema_version(ctx, root);
  outline.id = root.ident("id", Need::required, IdStyle::id).value_or("");
  outline.title = root.localized("title", Need::required).value_or(Localized{});
  outline.description = root.localized("description", Need::required).value_or(Localized{});
  if (auto basis = read_basis(ctx, root)) {
    outline.basis = std::move(*basis);
  }
  const json* sections = root.array("sections", Need::required, 1);
  std::vector<std::string> pointers;
  UniqueKeys keys("section key");
  for (std::size_t i = 0; sections != nullptr && i < sections->size(); ++i) {
    const auto p = join_pointer("/sections", i);
    if (auto s = read_section(ctx, (*sections)[i], p)) {
      if (keys.add(ctx, s->key, p + "/key")) {
        outline.sections.push_back(std::move(*s));
        pointers.push_back(p);
      }
    }
  }
  std::vector<PlacedSection> placed;
  std::vector<const Section*> all;
  for (std::size_t i = 0; i < outline.sections.size(); ++i) {
    placed.push_back({&outline.sections[i], pointers[i]});
    all.push_back(&outline.sections[i]);
  }
  check_row_refs(ctx, placed, all);
  root.finish();
  if (ctx.error_count() != before) {
    return std::nullopt;
  }
  return outline;
}

std::vector<OptionSet> read_option_file(Ctx& ctx, const json& doc, bool& ok) {
  std::vector<OptionSet> out;
  Obj root(ctx, doc, "", {"$schema", "schema_version", "id", "title", "basis", "sets"});
  if (!root.ok()) {
    ok = false;
    return out;
  }
  const auto before = ctx.error_count();
  root.text("$schema", Need::optional);
  read_schema_version(ctx, root);
  const auto id = root.ident("id", Need::required, IdStyle::id).value_or("");
  root.localized("title", Need::required);
  read_basis(ctx, root);
  const json* sets = root.array("sets", Need::required, 1);
  UniqueKeys set_keys("option set key");
  for (std::size_t i = 0; sets != nullptr && i < sets->size(); ++i) {
    const auto p = join_pointer("/sets", i);
    Obj so(ctx, (*sets)[i], p, {"key", "title", "pillar", "options"});
    if (!so.ok()) {
      continue;
    }
    OptionSet set;
    if (auto key = so.ident("key", Need::required, IdStyle::key)) {
      set_keys.add(ctx, *key, so.at("key"));
      set.id = id + "/" + *key;
    }
    set.title = so.localized("title", Need::required).value_or(Localized{});
    set.pillar = so.choice<Pillar>("pillar", Need::optional, "pillar").value_or(Pillar::none);
    const json* options = so.array("options", Need::required, 2);
    UniqueKeys option_keys("option key");
    for (std::size_t j = 0; options != nullptr && j < options->size(); ++j) {
      const auto op = join_pointer(so.at("options"), j);
      Obj oo(ctx, (*options)[j], op, {"key", "label", "basis"});
      PollOption option;
      if (auto key = oo.ident("key", Need::required, IdStyle::key)) {
        option_keys.add(ctx, *key, oo.at("key"));
        option.key = *key;
      }
      option.label = oo.localized("label", Need::required).value_or(Localized{});
      option.basis = oo.text("basis", Need::optional).value_or("");
      oo.finish();
      set.options.push_back(std::move(option));
    }
    so.finish();
    out.push_back(std::move(set));
  }
  root.finish();
  ok = ctx.error_count() == before;
  if (!ok) {
    out.clear();
  }
  return out;
}

}  // namespace napc::agendas::detail
