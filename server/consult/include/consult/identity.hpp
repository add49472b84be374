#pragma once
// Identity, minimal but real: consultations, invitation codes, participants with a role and a
// constituency, and bearer tokens. Plain C++ over storage::Database; no sockets, no threads.
// In the server these functions run on the storage thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "consult/crypto.hpp"
#include "consult/templates.hpp"
#include "storage/database.hpp"

namespace napc::consult {

// DO NOT CHANGE the spellings: they are stored in the database and sent to clients.
enum class Role { facilitator, drafter, participant, observer };

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
// government, employers, workers, victim_support, civil_society, international, other.
bool is_constituency(std::string_view text);
const std::vector<std::string_view>& constituencies();

struct InvitationInfo {
  std::string code;  // formatted for people: "ABCDE-FGHJK"
  Role role = Role::participant;
  std::string constituency;
  std::int64_t max_uses = 0;
};

struct CreateOptions {
  std::string title;
  TemplatePlan plan;  // sections, agenda and template record (consult/templates.hpp)
};

struct CreatedConsultation {
  std::string id;
  std::string title;
  std::string template_id;
  std::int64_t facilitator_id = 0;
  std::string facilitator_token;
  std::vector<InvitationInfo> invitations;
  std::string template_source;
  std::vector<storage::SectionRow> sections;
  std::size_t agenda_items = 0;

  // {"id", "facilitator_token", "invitations": [{"code", "role", "constituency", "max_uses"}],
  //  "title", "template", "template_source", "sections": [...], "agenda_items"}
  nlohmann::json to_json() const;
};

// Creates the consultation, its sections, its agenda (the plan's), its facilitator (with a
// token) and one invitation per role × constituency that makes sense, in one transaction.
// Throws on invalid options.
CreatedConsultation create_consultation(storage::Database& db, const CreateOptions& options);

// Invitation codes: 10 characters from an alphabet without look-alikes (0/O, 1/I/L).
std::string format_code(std::string_view normalized);
// Strips separators and spaces and upper-cases; what people type becomes what is stored.
std::string normalize_code(std::string_view typed);

struct JoinRequest {
  std::string code;
  std::string display_name;
  std::string organisation;
  std::string constituency;  // optional; must match the invitation's when given
};

enum class JoinError { invalid_request, invalid_code, exhausted, expired, constituency_mismatch };
std::string_view to_string(JoinError error);

struct JoinFailure {
  JoinError error;
  std::string message;
};

struct Joined {
  std::int64_t participant_id = 0;
  std::string token;
  Role role = Role::participant;
  std::string consultation_id;
  std::string constituency;
};

// Validates the request (400-class errors) and the code (403-class errors); on success creates
// the participant and a token, consuming one use of the invitation, in one transaction.
std::variant<Joined, JoinFailure> join(storage::Database& db, const JoinRequest& request,
                                       std::int64_t now);

// Who a bearer token belongs to.
struct Principal {
  std::int64_t participant_id = 0;
  std::string consultation_id;
  Role role = Role::observer;
  std::string constituency;
  std::string display_name;
};

std::optional<Principal> authenticate(storage::Database& db, std::string_view token);
inline std::optional<Principal> authenticate(storage::Database& db, const Token& token) {
  return authenticate(db, token.reveal());
}

// Whether `who` may change the document of `section`. Roles are checked on every update:
// observers never edit; a locked or retired section is read-only for everybody; the facilitator
// edits every section that has editors; otherwise the section's editor roles (and constituencies,
// if any) decide.
bool can_edit(const Principal& who, const storage::SectionRow& section);

// Replaces a consultation's agenda with `plan`'s, in one transaction (PUT .../agenda):
//  - the agenda (blocks and items) is replaced whole; the template record is updated;
//  - sections the plan has are added, or updated in place (title, number, pillar, editors,
//    position, definition; `locked` and the document are kept);
//  - sections the plan does not have are never deleted: they are retired (read-only, listed
//    after the plan's sections), and their documents stay;
//  - a section whose document has content cannot change its document kind (richtext ↔ table):
//    the replacement is refused, nothing is changed, and the keys are returned.
struct AgendaReplaced {
  std::vector<std::string> added;    // section keys new to the consultation
  std::vector<std::string> retired;  // section keys the new template does not have
};
struct AgendaConflict {
  std::vector<std::string> sections;  // keys whose document kind would change
};
std::variant<AgendaReplaced, AgendaConflict> replace_agenda(storage::Database& db,
                                                            std::string_view consultation_id,
                                                            const TemplatePlan& plan,
                                                            std::int64_t now);

// The stored agenda and where it came from: {"consultation", "template", "template_source",
// "agenda_updated_at", "agenda": agenda_json(...)}. Null when there is no such consultation.
nlohmann::json agenda_view(storage::Database& db, std::string_view consultation_id);

// The template the consultation's agenda came from, in the template file format: the stored
// JSON for the facilitator's own, the shipped file's model for a library template (it may have
// changed since). Null when there is none (no such consultation, or created from the outline).
nlohmann::json template_view(storage::Database& db, std::string_view consultation_id);

// GET /api/consultations/<id>: the consultation, its sections (each with its document name
// "<id>/<section key>" and whether `who` may edit it) and its agenda.
nlohmann::json consultation_view(storage::Database& db, std::string_view consultation_id,
                                 const Principal& who);

// GET /api/consultations/<id>/contributions: characters inserted and deleted per participant
// per section (the contribution ledger), with who the participant is.
nlohmann::json contributions_view(storage::Database& db, std::string_view consultation_id);

}  // namespace napc::consult
