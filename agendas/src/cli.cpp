// `napconsult agendas list|show|validate|outline`.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <agendas/cli.hpp>
#include <agendas/library.hpp>

#include "enums.hpp"

namespace napc::agendas {
namespace {

constexpr std::string_view kUsage =
    "usage: napconsult agendas <command> [options]\n"
    "\n"
    "commands:\n"
    "  list                    list the shipped agenda templates (id and title)\n"
    "  show ID|FILE            print a template's agenda with clock times\n"
    "  validate FILE...        check template files; prints FILE: OK or one line per error\n"
    "  outline [ID]            print a NAP outline's sections\n"
    "\n"
    "options:\n"
    "  --lang en|fr|es         language of show/list/outline (default en)\n"
    "  --dir DIR               data directory (default $NAPC_AGENDAS_DIR or the built-in one)\n";

// Labels of `show` and `outline`, in en, fr, es.
struct Label {
  std::array<std::string_view, 3> text;
  std::string_view in(Lang lang) const { return text[static_cast<std::size_t>(lang)]; }
};
constexpr Label kDay{{"Day", "Jour", "Día"}};
constexpr Label kPhase{{"Phase", "Phase", "Fase"}};
constexpr Label kDays{{"days", "jours", "días"}};
constexpr Label kFromDay{{"from day", "à partir du jour", "desde el día"}};
constexpr Label kSections{{"Sections:", "Sections :", "Secciones:"}};
constexpr Label kGroup{{"group", "groupe", "grupo"}};
constexpr Label kPoll{{"poll", "vote", "votación"}};
constexpr Label kBasis{{"Basis:", "Fondement :", "Fundamento:"}};
constexpr Label kReconstructed{{"RECONSTRUCTED", "RECONSTITUÉ", "RECONSTRUIDO"}};
constexpr Label kSafeguards{{"Safeguards:", "Garanties :", "Salvaguardias:"}};
constexpr Label kTable{{"table", "tableau", "tabla"}};
constexpr Label kColumns{{"columns", "colonnes", "columnas"}};
constexpr Label kEditors{{"editors:", "rédaction :", "redacción:"}};
constexpr Label kFixedScale{
    {"fixed scale: endorse, agree, agree with reservations, abstain, "
     "disagree, block",
     "échelle fixe : soutien, accord, accord avec réserves, abstention, "
     "désaccord, blocage",
     "escala fija: respaldo, acuerdo, acuerdo con reservas, abstención, "
     "desacuerdo, bloqueo"}};

struct Options {
  Lang lang = Lang::en;
  std::optional<std::filesystem::path> dir;
  std::vector<std::string_view> positional;
};

// Returns nullopt (after printing the problem) on a usage error.
std::optional<Options> parse_options(std::span<const std::string_view> args, std::ostream& err) {
  Options opts;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto arg = args[i];
    if (arg == "--lang" || arg == "--dir") {
      if (i + 1 >= args.size()) {
        err << "napconsult agendas: " << arg << " needs a value\n";
        return std::nullopt;
      }
      const auto value = args[++i];
      if (arg == "--dir") {
        opts.dir = std::filesystem::path(std::string(value));
      } else if (auto lang = lang_from(value)) {
        opts.lang = *lang;
      } else {
        err << "napconsult agendas: unknown language '" << value << "' (en, fr or es)\n";
        return std::nullopt;
      }
    } else if (arg.starts_with("--")) {
      err << "napconsult agendas: unknown option '" << arg << "'\n" << kUsage;
      return std::nullopt;
    } else {
      opts.positional.push_back(arg);
    }
  }
  return opts;
}

Library load_library(const Options& opts, std::ostream& err) {
  Library lib = Library::load(opts.dir ? *opts.dir : default_dir());
  for (const auto& issue : lib.issues()) {
    err << "warning: " << issue.to_string() << "\n";
  }
  return lib;
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  // Count code points, not bytes, so accented titles line up.
  std::size_t shown = 0;
  for (const char c : text) {
    shown += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  if (shown < width) {
    out.append(width - shown, ' ');
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) {
      out += sep;
    }
    out += p;
  }
  return out;
}

void print_item(std::ostream& out, const AgendaEntry& entry, bool timed, Lang lang) {
  const Item& item = *entry.item;
  const std::string indent(static_cast<std::size_t>(2 + entry.depth * 4), ' ');
  const std::string detail_indent = indent + std::string(timed ? 19 : 2, ' ');
  out << indent;
  if (timed) {
    out << format_clock(entry.start_minute) << "–" << format_clock(entry.end_minute) << " "
        << pad(std::to_string(item.planned_minutes) + "'", 5) << " ";
  }
  out << pad(to_string(item.kind), 13) << item.title.in(lang) << "\n";
  if (item.description) {
    out << detail_indent << item.description->in(lang) << "\n";
  }
  if (!item.sections.empty()) {
    out << detail_indent << kSections.in(lang) << " " << join(item.sections, ", ") << "\n";
  }
  for (const auto& q : item.guiding_questions) {
    out << detail_indent << "? " << q.in(lang) << "\n";
  }
  for (const auto& g : item.groups) {
    out << detail_indent << "[" << kGroup.in(lang) << " " << g.key << "] " << g.title.in(lang);
    if (g.pillar != Pillar::none) {
      out << " (" << to_string(g.pillar) << ")";
    }
    if (!g.sections.empty()) {
      out << " → " << join(g.sections, ", ");
    }
    out << "\n";
    for (const auto& q : g.guiding_questions) {
      out << detail_indent << "    ? " << q.in(lang) << "\n";
    }
  }
  for (const auto& p : item.polls) {
    out << detail_indent << "[" << kPoll.in(lang) << " " << p.key << ", " << to_string(p.method);
    if (p.two_axes) {
      out << " ×2";
    }
    if (p.dots > 0) {
      out << " " << p.dots;
    }
    out << "] " << p.question.in(lang) << "\n";
    if (p.method == PollMethod::consent) {
      out << detail_indent << "    (" << kFixedScale.in(lang) << ")\n";
    }
    for (const auto& o : p.options) {
      out << detail_indent << "    - " << o.label.in(lang);
      if (!o.basis.empty()) {
        out << " [" << o.basis << "]";
      }
      out << "\n";
    }
  }
  if (!item.basis.empty()) {
    out << detail_indent << kBasis.in(lang) << " " << item.basis << "\n";
  }
}

void print_sections(std::ostream& out, const std::vector<Section>& sections, Lang lang) {
  for (const auto& s : sections) {
    out << "  " << pad(s.number, 6) << pad(s.key, 26) << s.title.in(lang);
    if (s.pillar != Pillar::none) {
      out << " (" << to_string(s.pillar) << ")";
    }
    if (s.document.kind == DocumentKind::table) {
      out << " [" << kTable.in(lang) << ", " << s.document.columns.size() << " "
          << kColumns.in(lang) << "]";
    }
    std::vector<std::string> editors;
    for (const Role r : s.editors) {
      editors.emplace_back(to_string(r));
    }
    if (s.generated_from != GeneratedFrom::none) {
      editors.push_back("generated: " + std::string(to_string(s.generated_from)));
    }
    if (!editors.empty()) {
      out << " {" << kEditors.in(lang) << " " << join(editors, ", ") << "}";
    }
    out << "\n";
  }
}

void print_template(std::ostream& out, const Template& tpl, Lang lang) {
  out << tpl.id << " — " << tpl.title.in(lang) << "\n";
  out << tpl.description.in(lang) << "\n";
  out << to_string(tpl.kind) << " · " << to_string(tpl.level) << " · " << to_string(tpl.format)
      << " · " << to_string(tpl.delivery) << "\n";
  out << kBasis.in(lang) << " " << join(tpl.basis.sources, "; ");
  if (tpl.basis.reconstructed) {
    out << " [" << kReconstructed.in(lang) << "]";
  }
  out << "\n  " << tpl.basis.note.in(lang) << "\n";
  if (!tpl.safeguards.empty()) {
    out << kSafeguards.in(lang) << "\n";
    for (const auto& s : tpl.safeguards) {
      out << "  - " << s.in(lang) << "\n";
    }
  }
  out << kSections.in(lang) << " " << tpl.outline_id << "\n";
  print_sections(out, tpl.sections, lang);

  const auto agenda = flatten_agenda(tpl);
  for (std::size_t d = 0; d < tpl.days.size(); ++d) {
    const Day& day = tpl.days[d];
    out << "\n"
        << kDay.in(lang) << " " << d + 1 << " (" << day.key << ") — " << day.title.in(lang) << " · "
        << format_clock(day.start_minute) << "–" << format_clock(day.start_minute + day.minutes)
        << " (" << day.minutes << "')\n";
    for (const auto& entry : agenda) {
      if (entry.block == d) {
        print_item(out, entry, true, lang);
      }
    }
  }
  for (std::size_t p = 0; p < tpl.phases.size(); ++p) {
    const Phase& phase = tpl.phases[p];
    out << "\n"
        << kPhase.in(lang) << " " << p + 1 << " (" << phase.key << ") — " << phase.title.in(lang)
        << " · " << kFromDay.in(lang) << " " << phase.offset_days + 1 << ", " << phase.length_days
        << " " << kDays.in(lang) << "\n";
    for (const auto& entry : agenda) {
      if (entry.block == p) {
        print_item(out, entry, false, lang);
      }
    }
  }
}

int cmd_list(const Options& opts, std::ostream& out, std::ostream& err) {
  const Library lib = load_library(opts, err);
  for (const auto& tpl : lib.list()) {
    out << pad(tpl.id, 34) << tpl.title.in(opts.lang) << "\n";
  }
  return lib.issues().empty() ? 0 : 1;
}

int cmd_show(const Options& opts, std::ostream& out, std::ostream& err) {
  if (opts.positional.size() != 1) {
    err << "usage: napconsult agendas show ID|FILE [--lang en|fr|es]\n";
    return 2;
  }
  const Library lib = load_library(opts, err);
  const std::string arg(opts.positional[0]);
  if (const Template* tpl = lib.find(arg)) {
    print_template(out, *tpl, opts.lang);
    return 0;
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    auto loaded = lib.load_template_file(arg);
    for (const auto& issue : loaded.issues) {
      err << issue.to_string() << "\n";
    }
    if (!loaded.value) {
      return 1;
    }
    print_template(out, *loaded.value, opts.lang);
    return 0;
  }
  err << "napconsult agendas: no template or file '" << arg
      << "' (see `napconsult agendas list`)\n";
  return 1;
}

int cmd_validate(const Options& opts, std::ostream& out, std::ostream& err) {
  if (opts.positional.empty()) {
    err << "usage: napconsult agendas validate FILE...\n";
    return 2;
  }
  const Library lib = load_library(opts, err);
  int rc = 0;
  for (const auto file : opts.positional) {
    const auto result = validate_template_file(std::filesystem::path(std::string(file)), lib);
    if (result.ok()) {
      out << file << ": OK\n";
      continue;
    }
    rc = 1;
    for (const auto& issue : result.issues) {
      out << issue.to_string() << "\n";
    }
  }
  return rc;
}

int cmd_outline(const Options& opts, std::ostream& out, std::ostream& err) {
  const Library lib = load_library(opts, err);
  if (opts.positional.size() > 1) {
    err << "usage: napconsult agendas outline [ID]\n";
    return 2;
  }
  const Outline* outline = nullptr;
  if (opts.positional.empty()) {
    outline = lib.outlines().empty() ? nullptr : &lib.outlines().front();
  } else {
    outline = lib.outline(opts.positional[0]);
  }
  if (outline == nullptr) {
    err << "napconsult agendas: no such outline\n";
    return 1;
  }
  out << outline->id << " — " << outline->title.in(opts.lang) << "\n"
      << outline->description.in(opts.lang) << "\n";
  print_sections(out, outline->sections, opts.lang);
  return 0;
}

}  // namespace

int run_cli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const auto opts = parse_options(args, err);
  if (!opts) {
    return 2;
  }
  const auto command = args[0];
  if (command == "list") {
    return cmd_list(*opts, out, err);
  }
  if (command == "show") {
    return cmd_show(*opts, out, err);
  }
  if (command == "validate") {
    return cmd_validate(*opts, out, err);
  }
  if (command == "outline") {
    return cmd_outline(*opts, out, err);
  }
  err << "napconsult agendas: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

}  // namespace napc::agendas
