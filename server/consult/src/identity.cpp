#include "consult/identity.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "consult/crypto.hpp"

namespace napc::consult {
namespace {

constexpr std::string_view kCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr std::size_t kCodeLength = 10;
constexpr std::string_view kIdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";
constexpr std::size_t kIdLength = 12;
constexpr std::size_t kMaxNameBytes = 120;
constexpr std::size_t kMaxOrganisationBytes = 200;
constexpr std::size_t kMaxTitleBytes = 300;

// Invitations a new consultation gets: the roles × constituencies that make sense. Observers
// are the international organisations; drafting groups come from the constituencies that draft.
struct InvitationPlan {
  Role role;
  std::string_view constituency;
  std::int64_t max_uses;
};
constexpr std::array<InvitationPlan, 12> kInvitationPlan = {{
    {Role::drafter, "government", 50},
    {Role::drafter, "employers", 50},
    {Role::drafter, "workers", 50},
    {Role::drafter, "victim_support", 50},
    {Role::drafter, "civil_society", 50},
    {Role::participant, "government", 500},
    {Role::participant, "employers", 500},
    {Role::participant, "workers", 500},
    {Role::participant, "victim_support", 500},
    {Role::participant, "civil_society", 500},
    {Role::participant, "other", 500},
    {Role::observer, "international", 100},
}};

bool valid_utf8_text(std::string_view s) {
  // nlohmann::json has already rejected invalid UTF-8; refuse control characters here.
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    const auto part = trim(s.substr(0, comma));
    if (!part.empty()) out.push_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

nlohmann::json split_commas_json(std::string_view s) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto part : split_commas(s)) out.push_back(std::string(part));
  return out;
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::facilitator:
      return "facilitator";
    case Role::drafter:
      return "drafter";
    case Role::participant:
      return "participant";
    case Role::observer:
      return "observer";
  }
  return "observer";
}

std::optional<Role> parse_role(std::string_view text) {
  for (const auto r : {Role::facilitator, Role::drafter, Role::participant, Role::observer}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& constituencies() {
  static const std::vector<std::string_view> kAll = {
      "government",    "employers",     "workers", "victim_support",
      "civil_society", "international", "other"};
  return kAll;
}

bool is_constituency(std::string_view text) {
  const auto& all = constituencies();
  return std::find(all.begin(), all.end(), text) != all.end();
}

std::string format_code(std::string_view normalized) {
  if (normalized.size() != kCodeLength) return std::string(normalized);
  return std::string(normalized.substr(0, 5)) + '-' + std::string(normalized.substr(5));
}

std::string normalize_code(std::string_view typed) {
  std::string out;
  for (const char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (out.size() > 64) break;  // nothing longer can be a code
  }
  return out;
}

nlohmann::json CreatedConsultation::to_json() const {
  nlohmann::json invitations_json = nlohmann::json::array();
  for (const auto& inv : invitations) {
    invitations_json.push_back({{"code", inv.code},
                                {"role", to_string(inv.role)},
                                {"constituency", inv.constituency},
                                {"max_uses", inv.max_uses}});
  }
  nlohmann::json sections_json = nlohmann::json::array();
  for (const auto& s : sections) {
    sections_json.push_back({{"key", s.key}, {"title", s.title}, {"document", id + "/" + s.key}});
  }
  return {{"id", id},
          {"title", title},
          {"template", template_id},
          {"template_source", template_source},
          {"agenda_items", agenda_items},
          {"facilitator_token", facilitator_token},
          {"facilitator_id", facilitator_id},
          {"invitations", std::move(invitations_json)},
          {"sections", std::move(sections_json)}};
}

CreatedConsultation create_consultation(storage::Database& db, const CreateOptions& options) {
  const auto title = trim(options.title);
  if (title.empty() || title.size() > kMaxTitleBytes || !valid_utf8_text(title)) {
    throw std::invalid_argument("the title must be 1 to 300 bytes of text");
  }
  if (options.plan.sections.empty()) {
    throw std::invalid_argument("a consultation needs sections");
  }

  CreatedConsultation out;
  out.id = random_string(kIdLength, kIdAlphabet);
  out.title = std::string(title);
  out.template_id = options.plan.record.id;
  out.template_source = options.plan.record.source;
  out.sections = options.plan.sections;
  out.agenda_items = options.plan.agenda.items.size();
  const auto now = storage::unix_now();

  auto& conn = db.connection();
  storage::Transaction tx(conn);
  db.insert_consultation({out.id, out.title, out.template_id, now});
  auto record = options.plan.record;
  record.agenda_updated_at.reset();
  db.set_template_record(out.id, record);
  std::int64_t position = 0;
  for (auto& section : out.sections) {
    section.position = position++;
    db.insert_section(out.id, section);
  }
  db.replace_agenda(out.id, options.plan.agenda);
  storage::ParticipantRow facilitator;
  facilitator.consultation_id = out.id;
  facilitator.display_name = "Facilitator";
  facilitator.constituency = "other";
  facilitator.role = std::string(to_string(Role::facilitator));
  facilitator.created_at = now;
  out.facilitator_id = db.insert_participant(facilitator, std::nullopt);
  out.facilitator_token = new_token();
  db.insert_token(sha256(out.facilitator_token), out.facilitator_id, now);
  for (const auto& plan : kInvitationPlan) {
    storage::InvitationRow row;
    row.consultation_id = out.id;
    row.code = random_string(kCodeLength, kCodeAlphabet);
    row.role = std::string(to_string(plan.role));
    row.constituency = std::string(plan.constituency);
    row.max_uses = plan.max_uses;
    db.insert_invitation(row);
    out.invitations.push_back({format_code(row.code), plan.role, row.constituency, plan.max_uses});
  }
  tx.commit();
  return out;
}

std::string_view to_string(JoinError error) {
  switch (error) {
    case JoinError::invalid_request:
      return "invalid_request";
    case JoinError::invalid_code:
      return "invalid_code";
    case JoinError::exhausted:
      return "invitation_exhausted";
    case JoinError::expired:
      return "invitation_expired";
    case JoinError::constituency_mismatch:
      return "constituency_mismatch";
  }
  return "invalid_request";
}

std::variant<Joined, JoinFailure> join(storage::Database& db, const JoinRequest& request,
                                       std::int64_t now) {
  const auto name = trim(request.display_name);
  if (name.empty() || name.size() > kMaxNameBytes || !valid_utf8_text(name)) {
    return JoinFailure{JoinError::invalid_request, "display_name must be 1 to 120 bytes of text"};
  }
  const auto organisation = trim(request.organisation);
  if (organisation.size() > kMaxOrganisationBytes || !valid_utf8_text(organisation)) {
    return JoinFailure{JoinError::invalid_request, "organisation must be at most 200 bytes"};
  }
  if (!request.constituency.empty() && !is_constituency(request.constituency)) {
    return JoinFailure{JoinError::invalid_request, "unknown constituency"};
  }
  const auto code = normalize_code(request.code);
  if (code.size() != kCodeLength) {
    return JoinFailure{JoinError::invalid_code, "unknown invitation code"};
  }

  auto& conn = db.connection();
  storage::Transaction tx(conn);
  const auto invitation = db.find_invitation_by_code(code);
  if (!invitation) return JoinFailure{JoinError::invalid_code, "unknown invitation code"};
  if (invitation->expires_at && *invitation->expires_at <= now) {
    return JoinFailure{JoinError::expired, "the invitation has expired"};
  }
  if (!request.constituency.empty() && request.constituency != invitation->constituency) {
    return JoinFailure{JoinError::constituency_mismatch,
                       "the invitation is for the " + invitation->constituency + " constituency"};
  }
  if (!db.consume_invitation(invitation->id)) {
    return JoinFailure{JoinError::exhausted, "the invitation has been used up"};
  }
  const auto role = parse_role(invitation->role).value_or(Role::observer);
  storage::ParticipantRow row;
  row.consultation_id = invitation->consultation_id;
  row.display_name = std::string(name);
  row.organisation = std::string(organisation);
  row.constituency = invitation->constituency;
  row.role = std::string(to_string(role));
  row.created_at = now;
  Joined out;
  out.participant_id = db.insert_participant(row, invitation->id);
  out.token = new_token();
  db.insert_token(sha256(out.token), out.participant_id, now);
  tx.commit();
  out.role = role;
  out.consultation_id = invitation->consultation_id;
  out.constituency = invitation->constituency;
  return out;
}

std::optional<Principal> authenticate(storage::Database& db, std::string_view token) {
  if (!plausible_token(token)) return std::nullopt;
  const auto id = db.participant_for_token(sha256(token));
  if (!id) return std::nullopt;
  const auto row = db.find_participant(*id);
  if (!row) return std::nullopt;
  const auto role = parse_role(row->role);
  if (!role) return std::nullopt;
  return Principal{row->id, row->consultation_id, *role, row->constituency, row->display_name};
}

bool can_edit(const Principal& who, const storage::SectionRow& section) {
  if (who.role == Role::observer || section.locked || section.retired) return false;
  const auto editors = split_commas(section.editors);
  // The facilitator runs the room and may edit every section somebody may edit; a section
  // nobody edits (reference text) stays read-only for the facilitator too.
  if (who.role == Role::facilitator) return !editors.empty();
  if (std::find(editors.begin(), editors.end(), to_string(who.role)) == editors.end()) {
    return false;
  }
  const auto allowed = split_commas(section.constituencies);
  return allowed.empty() ||
         std::find(allowed.begin(), allowed.end(), who.constituency) != allowed.end();
}

std::variant<AgendaReplaced, AgendaConflict> replace_agenda(storage::Database& db,
                                                            std::string_view consultation_id,
                                                            const TemplatePlan& plan,
                                                            std::int64_t now) {
  if (plan.sections.empty()) throw std::invalid_argument("a consultation needs sections");
  storage::Transaction tx(db.connection());
  const auto existing = db.sections(consultation_id);
  const auto find = [&existing](std::string_view key) -> const storage::SectionRow* {
    for (const auto& s : existing) {
      if (s.key == key) return &s;
    }
    return nullptr;
  };
  const auto document = [&consultation_id](std::string_view key) {
    return std::string(consultation_id) + "/" + std::string(key);
  };
  AgendaConflict conflict;
  for (const auto& s : plan.sections) {
    const auto* old = find(s.key);
    if (old != nullptr && old->kind != s.kind && db.document_exists(document(s.key))) {
      conflict.sections.push_back(s.key);
    }
  }
  if (!conflict.sections.empty()) return conflict;  // rolled back: nothing written

  AgendaReplaced out;
  std::int64_t position = 0;
  for (auto s : plan.sections) {
    s.position = position++;
    s.retired = false;
    if (const auto* old = find(s.key)) {
      s.locked = old->locked;
      db.update_section(consultation_id, s);
    } else {
      db.insert_section(consultation_id, s);
      out.added.push_back(s.key);
    }
  }
  for (auto s : existing) {
    const bool kept = std::any_of(plan.sections.begin(), plan.sections.end(),
                                  [&s](const storage::SectionRow& p) { return p.key == s.key; });
    if (kept) continue;
    s.position = position++;
    s.retired = true;
    db.update_section(consultation_id, s);
    out.retired.push_back(s.key);
  }
  auto record = plan.record;
  record.agenda_updated_at = now;
  db.set_template_record(consultation_id, record);
  db.replace_agenda(consultation_id, plan.agenda);
  tx.commit();
  return out;
}

nlohmann::json agenda_view(storage::Database& db, std::string_view consultation_id) {
  const auto row = db.find_consultation(consultation_id);
  if (!row) return nullptr;
  const auto record = db.template_record(consultation_id);
  return {{"consultation", row->id},
          {"template", record.id},
          {"template_source", record.source},
          {"agenda_updated_at", record.agenda_updated_at ? nlohmann::json(*record.agenda_updated_at)
                                                         : nlohmann::json(nullptr)},
          {"agenda", agenda_json(db.agenda(consultation_id))}};
}

nlohmann::json template_view(storage::Database& db, std::string_view consultation_id) {
  if (!db.find_consultation(consultation_id)) return nullptr;
  const auto record = db.template_record(consultation_id);
  if (!record.json.empty()) {
    auto j = nlohmann::json::parse(record.json, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
  }
  if (record.source == "library") return library_template_json(record.id);
  return nullptr;
}

nlohmann::json consultation_view(storage::Database& db, std::string_view consultation_id,
                                 const Principal& who) {
  const auto row = db.find_consultation(consultation_id);
  if (!row) return nullptr;
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& s : db.sections(consultation_id)) {
    nlohmann::json j = {{"key", s.key},
                        {"title", s.title},
                        {"number", s.number},
                        {"position", s.position},
                        {"pillar", s.pillar},
                        {"kind", s.kind},
                        {"editors", split_commas_json(s.editors)},
                        {"constituencies", split_commas_json(s.constituencies)},
                        {"locked", s.locked},
                        {"retired", s.retired},
                        {"editable", can_edit(who, s)},
                        {"document", row->id + "/" + s.key}};
    // A retired section is kept for its document; say whether there is one (stored state).
    if (s.retired) j["has_document"] = db.document_exists(row->id + "/" + s.key);
    // The template's description of the section: titles in three languages, guiding
    // questions, table columns.
    if (auto def = nlohmann::json::parse(s.definition, nullptr, false);
        !s.definition.empty() && def.is_object()) {
      j["titles"] = def.value("title", nlohmann::json::object());
      j["guiding_questions"] = def.value("guiding_questions", nlohmann::json::array());
      if (const auto doc = def.find("document"); doc != def.end() && doc->contains("columns")) {
        j["columns"] = doc->at("columns");
      }
    }
    sections.push_back(std::move(j));
  }
  const auto record = db.template_record(consultation_id);
  return {{"id", row->id},
          {"title", row->title},
          {"template", row->template_id},
          {"template_source", record.source},
          {"agenda_updated_at", record.agenda_updated_at ? nlohmann::json(*record.agenda_updated_at)
                                                         : nlohmann::json(nullptr)},
          {"agenda", agenda_json(db.agenda(consultation_id))},
          {"created_at", row->created_at},
          {"participant",
           {{"id", who.participant_id},
            {"role", to_string(who.role)},
            {"constituency", who.constituency},
            {"display_name", who.display_name}}},
          {"sections", std::move(sections)}};
}

nlohmann::json contributions_view(storage::Database& db, std::string_view consultation_id) {
  const std::string prefix = std::string(consultation_id) + "/";
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : db.contributions(prefix)) {
    const auto who = db.find_participant(c.participant_id);
    rows.push_back({{"section", c.document.substr(prefix.size())},
                    {"document", c.document},
                    {"participant_id", c.participant_id},
                    {"display_name", who ? who->display_name : ""},
                    {"organisation", who ? who->organisation : ""},
                    {"constituency", who ? who->constituency : ""},
                    {"role", who ? who->role : ""},
                    {"inserted", c.inserted},
                    {"deleted", c.deleted},
                    {"updates", c.updates}});
  }
  return {{"consultation", consultation_id}, {"contributions", std::move(rows)}};
}

}  // namespace napc::consult
