// Consultation logic over an in-memory database: creation, invitations, joining, tokens,
// authentication and the edit rules.
#include "consult/identity.hpp"

#include <set>

#include <gtest/gtest.h>

#include "consult/crypto.hpp"

namespace napc::consult {
namespace {

std::vector<storage::SectionRow> sections() {
  storage::SectionRow intro;
  intro.key = "introduction";
  intro.title = "Introduction";
  intro.editors = "facilitator,drafter";
  storage::SectionRow workers;
  workers.key = "strategy-prevention";
  workers.title = "Prevention";
  workers.pillar = "prevention";
  workers.editors = "facilitator,drafter,participant";
  workers.constituencies = "workers,employers";
  return {intro, workers};
}

CreatedConsultation create(storage::Database& db) {
  TemplatePlan plan;
  plan.sections = sections();
  return create_consultation(db, {"National validation workshop", plan});
}

const InvitationInfo& invitation(const CreatedConsultation& c, Role role, std::string_view who) {
  for (const auto& inv : c.invitations) {
    if (inv.role == role && inv.constituency == who) return inv;
  }
  throw std::runtime_error("no such invitation");
}

TEST(Crypto, TokensAreRandomBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto t = new_token();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_TRUE(plausible_token(t));
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_FALSE(plausible_token("short"));
  EXPECT_FALSE(plausible_token(std::string(43, '=')));
  const std::uint8_t abc[] = {'a', 'b', 'c'};
  EXPECT_EQ(base64url(abc), "YWJj");
  const std::uint8_t ff[] = {0xfb, 0xff};
  EXPECT_EQ(base64url(ff), "-_8");
}

TEST(Crypto, Sha256KnownAnswer) {
  const auto h = sha256(std::string_view("abc"));
  EXPECT_EQ(base64url(h), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST(Identity, CreateMakesFacilitatorInvitationsAndSections) {
  storage::Database db(":memory:");
  const auto c = create(db);
  EXPECT_EQ(c.id.size(), 12u);
  EXPECT_TRUE(plausible_token(c.facilitator_token));
  // One invitation per role × constituency that makes sense.
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& inv : c.invitations) {
    EXPECT_EQ(inv.code.size(), 11u);  // XXXXX-XXXXX
    EXPECT_TRUE(pairs.emplace(std::string(to_string(inv.role)), inv.constituency).second);
    EXPECT_NE(inv.role, Role::facilitator);
  }
  EXPECT_TRUE(pairs.count({"observer", "international"}));
  EXPECT_TRUE(pairs.count({"drafter", "workers"}));
  EXPECT_TRUE(pairs.count({"participant", "victim_support"}));
  EXPECT_FALSE(pairs.count({"observer", "workers"}));
  const auto json = c.to_json();
  EXPECT_EQ(json["id"], c.id);
  EXPECT_EQ(json["facilitator_token"], c.facilitator_token);
  EXPECT_EQ(json["invitations"].size(), c.invitations.size());
  EXPECT_EQ(json["invitations"][0].size(), 4u);
  EXPECT_EQ(db.sections(c.id).size(), 2u);

  const auto who = authenticate(db, c.facilitator_token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, Role::facilitator);
  EXPECT_EQ(who->consultation_id, c.id);
}

TEST(Identity, TokensAreStoredOnlyHashed) {
  storage::Database db(":memory:");
  const auto c = create(db);
  auto stmt = db.connection().prepare("SELECT hash FROM tokens");
  int rows = 0;
  while (stmt.step()) {
    ++rows;
    const auto hash = stmt.column_blob(0);
    EXPECT_EQ(hash.size(), 32u);
    const std::string as_text(hash.begin(), hash.end());
    EXPECT_EQ(as_text.find(c.facilitator_token), std::string::npos);
  }
  EXPECT_EQ(rows, 1);
  const auto h = sha256(c.facilitator_token);
  EXPECT_TRUE(db.participant_for_token(h).has_value());
}

TEST(Identity, JoinWithACodeCreatesAParticipant) {
  storage::Database db(":memory:");
  const auto c = create(db);
  const auto& inv = invitation(c, Role::drafter, "workers");
  // Codes are accepted without the dash, in lower case, with spaces.
  std::string typed = inv.code;
  typed.erase(typed.find('-'), 1);
  for (auto& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto out = join(db, {" " + typed + " ", "Amina", "Trade Union Federation", "workers"}, 1);
  ASSERT_TRUE(std::holds_alternative<Joined>(out));
  const auto& joined = std::get<Joined>(out);
  EXPECT_EQ(joined.role, Role::drafter);
  EXPECT_EQ(joined.consultation_id, c.id);
  const auto who = authenticate(db, joined.token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->participant_id, joined.participant_id);
  EXPECT_EQ(who->display_name, "Amina");
  EXPECT_EQ(who->constituency, "workers");
  // The constituency is optional in the request.
  EXPECT_TRUE(std::holds_alternative<Joined>(join(db, {inv.code, "Bo", "", ""}, 1)));
}

JoinError join_error(storage::Database& db, const JoinRequest& r) {
  const auto out = join(db, r, 1);
  if (!std::holds_alternative<JoinFailure>(out)) {
    ADD_FAILURE() << "joined";
    return JoinError::invalid_request;
  }
  return std::get<JoinFailure>(out).error;
}

TEST(Identity, JoinRefusals) {
  storage::Database db(":memory:");
  const auto c = create(db);
  const auto& inv = invitation(c, Role::participant, "employers");
  EXPECT_EQ(join_error(db, {"ZZZZZ-ZZZZZ", "Ann", "", ""}), JoinError::invalid_code);
  EXPECT_EQ(join_error(db, {"", "Ann", "", ""}), JoinError::invalid_code);
  EXPECT_EQ(join_error(db, {inv.code, "", "", ""}), JoinError::invalid_request);
  EXPECT_EQ(join_error(db, {inv.code, std::string(121, 'a'), "", ""}), JoinError::invalid_request);
  EXPECT_EQ(join_error(db, {inv.code, "Ann\x01", "", ""}), JoinError::invalid_request);
  EXPECT_EQ(join_error(db, {inv.code, "Ann", "", "martians"}), JoinError::invalid_request);
  EXPECT_EQ(join_error(db, {inv.code, "Ann", "", "workers"}), JoinError::constituency_mismatch);
}

TEST(Identity, ExhaustedAndExpiredCodes) {
  storage::Database db(":memory:");
  const auto c = create(db);
  storage::InvitationRow row;
  row.consultation_id = c.id;
  row.code = "2345678923";
  row.role = "participant";
  row.constituency = "other";
  row.max_uses = 1;
  db.insert_invitation(row);
  EXPECT_TRUE(std::holds_alternative<Joined>(join(db, {"23456-78923", "A", "", ""}, 1)));
  EXPECT_EQ(join_error(db, {"23456-78923", "B", "", ""}), JoinError::exhausted);
  row.code = "3456789234";
  row.max_uses = 10;
  row.expires_at = 1;
  db.insert_invitation(row);
  EXPECT_EQ(join_error(db, {"3456789234", "B", "", ""}), JoinError::expired);
}

TEST(Identity, AuthenticateRejectsUnknownAndMalformedTokens) {
  storage::Database db(":memory:");
  create(db);
  EXPECT_FALSE(authenticate(db, new_token()).has_value());
  EXPECT_FALSE(authenticate(db, "").has_value());
  EXPECT_FALSE(authenticate(db, "' OR 1=1 --").has_value());
}

TEST(Identity, EditRules) {
  const auto secs = sections();
  Principal p{1, "c", Role::drafter, "government", "G"};
  EXPECT_TRUE(can_edit(p, secs[0]));
  EXPECT_FALSE(can_edit(p, secs[1]));  // constituency-restricted section
  p.constituency = "workers";
  EXPECT_TRUE(can_edit(p, secs[1]));
  p.role = Role::participant;
  EXPECT_FALSE(can_edit(p, secs[0]));  // participants are not editors of the introduction
  EXPECT_TRUE(can_edit(p, secs[1]));
  p.role = Role::observer;
  EXPECT_FALSE(can_edit(p, secs[1]));
  p.role = Role::facilitator;
  p.constituency = "other";
  EXPECT_TRUE(can_edit(p, secs[1]));  // the facilitator edits every editable section
  auto drafters_only = secs[0];
  drafters_only.editors = "drafter";
  EXPECT_TRUE(can_edit(p, drafters_only));
  auto reference = secs[0];
  reference.editors = "";
  EXPECT_FALSE(can_edit(p, reference));  // nobody edits reference text
  auto locked = secs[0];
  locked.locked = true;
  EXPECT_FALSE(can_edit(p, locked));
}

TEST(Identity, ConsultationViewListsDocuments) {
  storage::Database db(":memory:");
  const auto c = create(db);
  const auto who = authenticate(db, c.facilitator_token);
  const auto view = consultation_view(db, c.id, *who);
  ASSERT_EQ(view["sections"].size(), 2u);
  EXPECT_EQ(view["sections"][0]["document"], c.id + "/introduction");
  EXPECT_EQ(view["sections"][1]["key"], "strategy-prevention");
  EXPECT_EQ(view["participant"]["role"], "facilitator");
  EXPECT_TRUE(consultation_view(db, "nope", *who).is_null());
}

}  // namespace
}  // namespace napc::consult
