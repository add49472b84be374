#pragma once
// What a document connection may do, decided by the HTTP layer before the upgrade and handed to
// the document session with the connection.
#include <string>

#include "app/connection_budget.hpp"
#include "consult/identity.hpp"

namespace napc::sync {

// Everything the document session needs, decided before the upgrade. Move-only: it carries the
// connection's slots in the server's budgets, released when the document session ends.
struct DocumentAccess {
  consult::Principal who;
  std::string document;  // "<consultation id>/<section key>", the room name
  std::string consultation_id;
  std::string section_key;
  bool can_write = false;
  std::string client_address;
  app::Slot connection_slot;  // this TCP connection, counted for its address and in total
  app::Slot token_slot;       // one of the participant's WebSocket connections
};

}  // namespace napc::sync
