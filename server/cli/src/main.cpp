// napconsult: the NAP Consult server and its administration commands.
//
//   napconsult serve   [--listen ADDR:PORT] [--db PATH] [--web DIR] [limits...]
//   napconsult demo    [same options]       serve with a demo consultation, print its links
//   napconsult consultation create --db PATH --title TEXT [--json]
//                                  [--template ID | --template-file FILE]
//   napconsult db check|backup|compact|dump --db PATH ...
//   napconsult agendas list|show|validate|outline ...
//   napconsult help | version
#include <iostream>
#include <span>
#include <string_view>
#include <vector>

#include <agendas/cli.hpp>

#include "cli.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: napconsult <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve                 run the server\n"
    "  demo                  run the server with a demo consultation and print its links\n"
    "  consultation create   create a consultation (--db PATH --title TEXT\n"
    "                        [--template ID | --template-file FILE] [--json])\n"
    "  db check|backup|compact|dump   check, copy (online), compact the database, dump a doc\n"
    "  agendas ...           list, show and validate agenda templates (napconsult agendas help)\n"
    "  version               print the version\n"
    "  help                  print this help\n"
    "\n"
    "options for serve and demo:\n"
    "  --listen ADDR:PORT    address to listen on (default 127.0.0.1:8080; port 0 picks one)\n"
    "  --db PATH             SQLite database (default data/napconsult.db)\n"
    "  --web DIR             directory of the built web client\n"
    "  --threads N           I/O threads (default: one per core)\n"
    "  --synchronous full|normal   SQLite durability: full survives power loss (default normal)\n"
    "  --no-io-uring         send broadcasts with one send() per connection, not io_uring batches\n"
    "  --log-level debug|info|warn|error   lowest level written to stderr (default info)\n"
    "  --max-message-bytes N, --max-document-bytes N, --queue-bytes N, --queue-messages N,\n"
    "  --conn-rate R, --conn-burst N, --msg-rate R, --msg-burst N, --idle-timeout S,\n"
    "  --write-timeout S, --handshake-timeout S, --unload-delay-ms MS,\n"
    "  --max-connections N, --byte-rate R, --byte-burst N, --join-failure-burst N   limits\n"
    "  --max-connections-per-address N, --max-connections-per-token N,\n"
    "  --max-buffered-bytes N   budgets (docs/security.md)\n"
    "  --allowed-origin URL[,URL]   web origins besides the server's own that may use the API\n"
    "Environment: NAPC_LISTEN, NAPC_DB and NAPC_WEB give defaults for --listen, --db, --web.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const auto command = args.front();
  const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "napconsult " << NAPC_VERSION << '\n';
    return 0;
  }
  if (command == "serve" || command == "demo") return napc::cli::serve(rest, command == "demo");
  if (command == "consultation") return napc::cli::consultation(rest);
  if (command == "db") return napc::cli::db(rest);
  if (command == "agendas") return napc::agendas::run_cli(rest, std::cout, std::cerr);
  std::cerr << "napconsult: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
