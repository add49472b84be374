#include "cli.hpp"

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <crdt/doc.hpp>

#include "app/context.hpp"
#include "consult/crypto.hpp"
#include "consult/identity.hpp"
#include "consult/templates.hpp"
#include "http/http_session.hpp"
#include "log/log.hpp"
#include "net/net.hpp"
#include "net/send_batch.hpp"
#include "storage/database.hpp"
#include "sync/room_registry.hpp"
#include "sync/ws_session.hpp"

#ifndef NAPC_DEFAULT_WEB_ROOT
#define NAPC_DEFAULT_WEB_ROOT ""
#endif

namespace napc::cli {
namespace {

// `--name value` pairs and bare flags; positional arguments in order.
struct Args {
  std::map<std::string, std::string, std::less<>> values;
  std::vector<std::string> flags;
  std::vector<std::string> positional;

  std::optional<std::string> get(std::string_view name) const {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool flag(std::string_view name) const {
    for (const auto& f : flags) {
      if (f == name) return true;
    }
    return false;
  }
};

// `with_value` names the options that take a value; anything else starting with -- is a flag.
std::optional<Args> parse(std::span<const std::string_view> args,
                          std::initializer_list<std::string_view> with_value,
                          std::initializer_list<std::string_view> flags) {
  Args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto arg = args[i];
    if (!arg.starts_with("--")) {
      out.positional.emplace_back(arg);
      continue;
    }
    bool known = false;
    for (const auto name : with_value) {
      if (arg == name) {
        if (i + 1 >= args.size()) {
          std::cerr << "napconsult: " << arg << " needs a value\n";
          return std::nullopt;
        }
        out.values[std::string(arg)] = std::string(args[++i]);
        known = true;
      }
    }
    for (const auto name : flags) {
      if (arg == name) {
        out.flags.emplace_back(arg);
        known = true;
      }
    }
    if (!known) {
      std::cerr << "napconsult: unknown option '" << arg << "'\n";
      return std::nullopt;
    }
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// Splits "ADDR:PORT" (IPv6 as "[::1]:PORT"). Returns false when malformed.
bool parse_listen(std::string_view text, app::Config& config) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  if (!parse_number(text.substr(colon + 1), port) || port > 65535) return false;
  config.address = std::string(host);
  config.port = static_cast<unsigned short>(port);
  return true;
}

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : std::move(fallback);
}

std::unique_ptr<storage::Database> open_database(const std::string& path,
                                                 storage::OpenOptions options = {}) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !options.read_only) std::filesystem::create_directories(parent);
  return std::make_unique<storage::Database>(path, options);
}

// Flags shared by serve and demo that tune app::Limits.
bool apply_limits(const Args& a, app::Limits& limits) {
  struct SizeOpt {
    const char* name;
    std::size_t* field;
  };
  for (const auto& [name, field] : std::initializer_list<SizeOpt>{
           {"--max-message-bytes", &limits.max_message_bytes},
           {"--max-document-bytes", &limits.max_document_bytes},
           {"--queue-bytes", &limits.queue_bytes},
           {"--queue-messages", &limits.queue_messages},
           {"--max-connections", &limits.max_connections},
           {"--max-connections-per-address", &limits.max_connections_per_address},
           {"--max-connections-per-token", &limits.max_connections_per_token},
           {"--max-buffered-bytes", &limits.max_buffered_bytes}}) {
    if (auto v = a.get(name)) {
      if (!parse_number(*v, *field) || *field == 0) {
        std::cerr << "napconsult: " << name << " wants a positive integer\n";
        return false;
      }
    }
  }
  struct RateOpt {
    const char* name;
    double* field;
  };
  for (const auto& [name, field] :
       std::initializer_list<RateOpt>{{"--conn-rate", &limits.conn_rate},
                                      {"--conn-burst", &limits.conn_burst},
                                      {"--msg-rate", &limits.msg_rate},
                                      {"--msg-burst", &limits.msg_burst},
                                      {"--byte-rate", &limits.byte_rate},
                                      {"--byte-burst", &limits.byte_burst},
                                      {"--join-failure-burst", &limits.join_failure_burst}}) {
    if (auto v = a.get(name)) {
      char* end = nullptr;
      *field = std::strtod(v->c_str(), &end);
      if (end == v->c_str() || *end != '\0' || *field < 0) {
        std::cerr << "napconsult: " << name << " wants a non-negative number\n";
        return false;
      }
    }
  }
  unsigned seconds = 0;
  if (auto v = a.get("--idle-timeout")) {
    if (!parse_number(*v, seconds) || seconds < 2) {
      std::cerr << "napconsult: --idle-timeout wants seconds (at least 2)\n";
      return false;
    }
    limits.ws_idle_timeout = std::chrono::seconds(seconds);
  }
  if (auto v = a.get("--handshake-timeout")) {
    if (!parse_number(*v, seconds) || seconds < 1) {
      std::cerr << "napconsult: --handshake-timeout wants seconds\n";
      return false;
    }
    limits.handshake_timeout = std::chrono::seconds(seconds);
  }
  if (auto v = a.get("--write-timeout")) {
    if (!parse_number(*v, seconds) || seconds < 1) {
      std::cerr << "napconsult: --write-timeout wants seconds\n";
      return false;
    }
    limits.write_stall_timeout = std::chrono::seconds(seconds);
  }
  unsigned ms = 0;
  if (auto v = a.get("--debug-commit-delay-ms")) {
    if (!parse_number(*v, ms) || ms > 10000) {
      std::cerr << "napconsult: --debug-commit-delay-ms wants milliseconds\n";
      return false;
    }
    limits.debug_commit_delay = std::chrono::milliseconds(ms);
  }
  if (auto v = a.get("--unload-delay-ms")) {
    if (!parse_number(*v, ms)) {
      std::cerr << "napconsult: --unload-delay-ms wants milliseconds\n";
      return false;
    }
    limits.unload_delay = std::chrono::milliseconds(ms);
  }
  return true;
}

// A document's stored state (snapshot, then log) applied to a fresh crdt::Doc.
crdt::Doc load_doc(const storage::StoredDocument& stored) {
  crdt::Doc doc;
  std::vector<crdt::ByteView> parts;
  if (!stored.snapshot.empty()) parts.emplace_back(stored.snapshot);
  for (const auto& u : stored.updates) parts.emplace_back(u.data);
  if (!parts.empty()) doc.apply_updates(parts, crdt::ApplyOptions{.emit_update = false});
  return doc;
}

std::string base64(std::span<const std::uint8_t> data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

constexpr std::string_view kDemoTitle = "Demo: validation workshop on the National Action Plan";

// Creates the demo consultation on first use; afterwards reuses it with a fresh facilitator
// token (tokens are stored hashed, so the old one cannot be shown again).
void print_demo(storage::Database& db, const std::string& base) {
  std::string id;
  std::string token;
  std::vector<consult::InvitationInfo> invitations;
  for (const auto& c : db.list_consultations()) {
    if (c.title == kDemoTitle) id = c.id;
  }
  if (id.empty()) {
    const auto created =
        consult::create_consultation(db, {std::string(kDemoTitle), consult::plan_for_template("")});
    id = created.id;
    token = created.facilitator_token;
    invitations = created.invitations;
  } else {
    auto stmt = db.connection().prepare(
        "SELECT id FROM participants WHERE consultation_id = ? AND role = 'facilitator' "
        "ORDER BY id LIMIT 1");
    stmt.bind(1, id);
    if (!stmt.step()) throw std::runtime_error("the demo consultation has no facilitator");
    const auto facilitator = stmt.column_int(0);
    token = consult::new_token();
    db.insert_token(consult::sha256(token), facilitator, storage::unix_now());
    for (const auto& inv : db.invitations(id)) {
      invitations.push_back({consult::format_code(inv.code),
                             consult::parse_role(inv.role).value_or(consult::Role::observer),
                             inv.constituency, inv.max_uses});
    }
  }
  std::cout << "demo consultation " << id << '\n'
            << "  facilitator: " << base << "/?consultation=" << id << "#token=" << token << '\n';
  for (const auto& inv : invitations) {
    std::cout << "  " << consult::to_string(inv.role) << " (" << inv.constituency << "): " << base
              << "/?join=" << inv.code << '\n';
  }
}

// glibc serves blocks of 128 KiB and more with mmap, but raises that threshold (up to 32 MiB)
// each time such a block is freed, after which whole-document buffers (an uploaded state, a
// compaction snapshot, a step 2 reply) come from the heap and, freed, stay resident as holes the
// heap cannot trim. Setting the threshold explicitly keeps it at 128 KiB, so those buffers go
// back to the OS when they are freed: about 0.4 MB less RSS per loaded automerge-paper document
// in tests/bench/server (docs/benchmarks.md §2). Small allocations are not affected.
void keep_large_allocations_returnable() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

// "scheme://host[:port]" entries, comma-separated; no path, no trailing slash.
bool parse_origins(std::string_view text, std::vector<std::string>& out) {
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto origin = text.substr(0, comma);
    const auto scheme = origin.find("://");
    if (scheme == std::string_view::npos || scheme == 0 || origin.size() == scheme + 3 ||
        origin.find('/', scheme + 3) != std::string_view::npos) {
      return false;
    }
    out.emplace_back(origin);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return !out.empty();
}

// Every connection costs a descriptor. Raise the soft limit to the hard one, then keep the
// connection budget below it with descriptors in reserve, so that a flood of connections is
// refused by the budget instead of failing accept(), SQLite's files or the log.
void fit_connections_to_descriptors(app::Limits& limits) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return;
  const auto available = lim.rlim_cur > app::kReservedDescriptors
                             ? static_cast<std::size_t>(lim.rlim_cur) - app::kReservedDescriptors
                             : std::size_t{1};
  if (limits.max_connections > available) {
    log::warn("connections_capped_by_descriptors",
              {{"max_connections", available},
               {"descriptor_limit", static_cast<std::uint64_t>(lim.rlim_cur)},
               {"reserved", app::kReservedDescriptors}});
    limits.max_connections = available;
  }
}

// Runs the I/O loop. An exception that escapes a handler ends that handler (and the connection
// it held) and is logged; the loop, and every other connection, goes on.
void run_io(net::io_context& ioc, app::Metrics& metrics) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      metrics.handler_failures.fetch_add(1, std::memory_order_relaxed);
      log::error("handler_failed", {{"error", e}, {"effect", "its connection is closed"}});
    }
  }
}

}  // namespace

int serve(std::span<const std::string_view> raw, bool demo) {
  keep_large_allocations_returnable();
  const auto a = parse(raw,
                       {"--listen",
                        "--db",
                        "--web",
                        "--threads",
                        "--synchronous",
                        "--max-message-bytes",
                        "--max-document-bytes",
                        "--queue-bytes",
                        "--queue-messages",
                        "--max-connections",
                        "--max-connections-per-address",
                        "--max-connections-per-token",
                        "--max-buffered-bytes",
                        "--allowed-origin",
                        "--conn-rate",
                        "--conn-burst",
                        "--msg-rate",
                        "--msg-burst",
                        "--byte-rate",
                        "--byte-burst",
                        "--join-failure-burst",
                        "--idle-timeout",
                        "--write-timeout",
                        "--handshake-timeout",
                        "--unload-delay-ms",
                        "--debug-commit-delay-ms",
                        "--log-level"},
                       {"--no-io-uring"});
  if (!a || !a->positional.empty()) {
    std::cerr << "napconsult: see `napconsult help` for the options of "
              << (demo ? "demo" : "serve") << '\n';
    return 2;
  }
  if (auto v = a->get("--log-level")) {
    const auto level = log::parse_level(*v);
    if (!level) {
      std::cerr << "napconsult: --log-level wants debug, info, warn or error\n";
      return 2;
    }
    log::set_level(*level);
  }
  app::Config config;
  const auto listen = a->get("--listen").value_or(env_or("NAPC_LISTEN", "127.0.0.1:8080"));
  if (!parse_listen(listen, config)) {
    std::cerr << "napconsult: --listen wants ADDR:PORT, got '" << listen << "'\n";
    return 2;
  }
  config.db_path = a->get("--db").value_or(env_or("NAPC_DB", "data/napconsult.db"));
  config.web_root = a->get("--web").value_or(env_or("NAPC_WEB", NAPC_DEFAULT_WEB_ROOT));
  if (auto v = a->get("--threads")) {
    if (!parse_number(*v, config.threads) || config.threads == 0 || config.threads > 256) {
      std::cerr << "napconsult: --threads wants 1..256\n";
      return 2;
    }
  }
  if (a->flag("--no-io-uring")) netio::disable_io_uring();
  if (auto v = a->get("--synchronous")) {
    if (*v != "full" && *v != "normal") {
      std::cerr << "napconsult: --synchronous wants full or normal\n";
      return 2;
    }
    config.synchronous_full = *v == "full";
  }
  if (!apply_limits(*a, config.limits)) return 2;
  if (auto v = a->get("--allowed-origin")) {
    if (!parse_origins(*v, config.allowed_origins)) {
      std::cerr << "napconsult: --allowed-origin wants scheme://host[:port][,...], got '" << *v
                << "'\n";
      return 2;
    }
  }
  fit_connections_to_descriptors(config.limits);
  const unsigned threads =
      config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  // A closed stdout (a log pipe that went away) must not kill the server mid-commit.
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<storage::Database> db;
  try {
    db = open_database(config.db_path, {config.synchronous_full, false});
  } catch (const std::exception& e) {
    log::error("database_open_failed", {{"error", e}});
    return 1;
  }
  app::Context ctx(config, std::move(db));
  {
    net::io_context ioc(static_cast<int>(threads));
    sync::RoomRegistry rooms(ioc, ctx);
    http::HttpServer server(ioc, ctx,
                            [&ctx, &rooms](beast::tcp_stream&& stream, http::Request&& req,
                                           http::DocumentAccess access) {
                              std::make_shared<sync::WsSession>(ctx, rooms, std::move(access))
                                  ->run(std::move(stream), std::move(req));
                            });
    try {
      server.start();
    } catch (const boost::system::system_error& e) {
      log::error("listen_failed",
                 {{"address", config.address}, {"port", config.port}, {"error", e.code()}});
      ctx.storage().stop();
      return 1;
    }
    const auto endpoint = server.local_endpoint();
    const std::string host = endpoint.address().is_v6() ? '[' + endpoint.address().to_string() + ']'
                                                        : endpoint.address().to_string();
    const std::string base = "http://" + host + ':' + std::to_string(endpoint.port());
    if (demo) {
      // The storage thread owns the database now; run the demo set-up there and wait.
      std::promise<std::string> done;
      auto result = done.get_future();
      ctx.storage().post([&done, &base](storage::Database& database) {
        try {
          print_demo(database, base);
          done.set_value({});
        } catch (const std::exception& e) {
          done.set_value(e.what());
        }
      });
      const auto error = result.get();
      if (!error.empty()) {
        log::error("demo_setup_failed", {{"error", error}});
        ctx.storage().stop();
        return 1;
      }
    }
    // Graceful shutdown: stop accepting, close every document connection with 1012, let
    // pending commits finish, exit. A second signal exits at once.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer drain_timer(ioc);
    auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
    std::function<void()> poll_drained = [&] {
      if (ctx.session_count() == 0 || std::chrono::steady_clock::now() >= *deadline) {
        ioc.stop();
        return;
      }
      drain_timer.expires_after(std::chrono::milliseconds(20));
      drain_timer.async_wait([&](beast::error_code ec) {
        if (!ec) poll_drained();
      });
    };
    std::function<void(const beast::error_code&, int)> on_signal = [&](const beast::error_code& ec,
                                                                       int signal_number) {
      if (ec) return;
      if (ctx.draining()) {
        ioc.stop();
        return;
      }
      log::info("shutting_down", {{"signal", signal_number}, {"msg", "shutting down"}});
      ctx.set_draining();
      server.stop();
      ctx.close_all_sessions();
      *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      poll_drained();
      signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    log::info("server_started",
              {{"address", base}, {"threads", threads}, {"demo", demo}, {"db", config.db_path}});
    // Announced only now, so that a signal sent as soon as the line appears is handled.
    std::cout << "napconsult listening on " << base << (demo ? " (demo)" : "") << '\n'
              << "  health: " << base << "/healthz\n"
              << "  web client: " << base << "/\n"
              << std::flush;

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) {
      pool.emplace_back([&ioc, &ctx] { run_io(ioc, ctx.metrics()); });
    }
    run_io(ioc, ctx.metrics());
    for (auto& t : pool) t.join();
    // Sessions still open when the drain gave up are held by their rooms and hold them.
    rooms.drop_all();
    // Everything queued for SQLite (commits, compactions) is written before we exit; the
    // io_context (and every strand the queued tasks refer to) is still alive here.
    ctx.storage().stop();
  }
  log::info("server_stopped");
  return 0;
}

int consultation(std::span<const std::string_view> raw) {
  constexpr const char* kUsage =
      "usage: napconsult consultation create --db PATH --title TEXT\n"
      "           [--template ID | --template-file FILE] [--json]\n";
  if (raw.empty() || raw.front() != "create") {
    std::cerr << kUsage;
    return 2;
  }
  const auto a =
      parse(raw.subspan(1), {"--db", "--title", "--template", "--template-file"}, {"--json"});
  if (!a || !a->positional.empty() || !a->get("--title") ||
      (a->get("--template") && a->get("--template-file"))) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    // The template is validated before the database is opened: a template with problems
    // writes nothing, not even an empty database file.
    consult::TemplatePlan plan;
    if (const auto file = a->get("--template-file")) {
      auto outcome = consult::plan_from_file(*file);
      if (!outcome.plan) {
        // Exactly the lines `napconsult agendas validate FILE` prints.
        for (const auto& issue : outcome.issues) std::cerr << issue.to_string() << '\n';
        if (a->flag("--json")) {
          std::cout << nlohmann::json{{"error", "invalid_template"},
                                      {"issues", consult::issues_json(outcome.issues)}}
                           .dump(2)
                    << '\n';
        }
        return 1;
      }
      plan = std::move(*outcome.plan);
    } else {
      plan = consult::plan_for_template(a->get("--template").value_or(""));
    }
    auto db = open_database(a->get("--db").value_or(env_or("NAPC_DB", "data/napconsult.db")));
    const auto created = consult::create_consultation(*db, {*a->get("--title"), std::move(plan)});
    if (a->flag("--json")) {
      std::cout << created.to_json().dump(2) << '\n';
    } else {
      std::cout << "consultation " << created.id << ": " << created.title << '\n'
                << "template: "
                << (created.template_id.empty() ? "(outline only)" : created.template_id) << ", "
                << created.agenda_items << " agenda items, " << created.sections.size()
                << " sections\n"
                << "facilitator token: " << created.facilitator_token << '\n';
      for (const auto& inv : created.invitations) {
        std::cout << "invitation " << inv.code << "  " << consult::to_string(inv.role) << " / "
                  << inv.constituency << '\n';
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "napconsult: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

int db(std::span<const std::string_view> raw) {
  constexpr const char* kDbUsage =
      "usage: napconsult db check --db PATH\n"
      "       napconsult db backup --db PATH --out FILE\n"
      "       napconsult db compact --db PATH\n"
      "       napconsult db dump --db PATH --document ID/SECTION   (base64 Yjs update)\n";
  if (raw.empty()) {
    std::cerr << kDbUsage;
    return 2;
  }
  const auto sub = raw.front();
  const auto a = parse(raw.subspan(1), {"--db", "--out", "--document"}, {});
  if (!a) {
    std::cerr << kDbUsage;
    return 2;
  }
  const auto path = a->get("--db").value_or(env_or("NAPC_DB", "data/napconsult.db"));
  try {
    if (sub == "check") {
      if (!std::filesystem::exists(path)) {
        std::cerr << "napconsult: no database at " << path << '\n';
        return 1;
      }
      storage::Database database(path, {false, true});
      const auto problems = database.check();
      // Every stored document must also decode as Yjs updates. (An older schema, reported by
      // check(), is only read once the server has migrated it: its log is laid out otherwise.)
      std::vector<std::string> bad_docs;
      const bool current = database.schema_version() == storage::kSchemaVersion;
      for (const auto& name : current ? database.document_names() : std::vector<std::string>{}) {
        const auto stored = database.load_document(name);
        try {
          load_doc(stored);
        } catch (const std::exception& e) {
          bad_docs.push_back("document " + name + " does not decode: " + e.what());
        }
      }
      for (const auto& p : problems) std::cout << p << '\n';
      for (const auto& p : bad_docs) std::cout << p << '\n';
      if (problems.empty() && bad_docs.empty()) {
        std::cout << "ok: schema version " << database.schema_version() << ", "
                  << database.document_names().size() << " documents\n";
        return 0;
      }
      return 1;
    }
    if (sub == "backup") {
      std::string out = a->get("--out").value_or("");
      if (out.empty() && a->positional.size() == 1) out = a->positional.front();
      if (out.empty()) {
        std::cerr << kDbUsage;
        return 2;
      }
      storage::Database database(path, {false, true});
      database.backup_to(out);
      std::cout << "backup written to " << out << '\n';
      return 0;
    }
    if (sub == "dump") {
      // One document's stored state (snapshot + log) as a base64 Yjs V1 update.
      const auto name = a->get("--document");
      if (!name) {
        std::cerr << kDbUsage;
        return 2;
      }
      storage::Database database(path, {false, true});
      const auto doc = load_doc(database.load_document(*name));
      std::cout << base64(doc.encode_state_as_update()) << '\n';
      return 0;
    }
    if (sub == "compact") {
      auto database = open_database(path);
      std::size_t compacted = 0;
      for (const auto& name : database->document_names()) {
        const auto stored = database->load_document(name);
        if (stored.updates.empty()) continue;
        const auto doc = load_doc(stored);
        database->compact_document(name, doc.encode_state_as_update(), stored.next_seq - 1,
                                   storage::unix_now());
        ++compacted;
      }
      std::cout << "compacted " << compacted << " documents\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "napconsult: " << e.what() << '\n';
    return 1;
  }
  std::cerr << kDbUsage;
  return 2;
}

}  // namespace napc::cli
