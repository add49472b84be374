#include "http/http_session.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include "consult/templates.hpp"
#include "log/log.hpp"
#include "static_files.hpp"

namespace napc::http {
namespace {

namespace bhttp = boost::beast::http;
using Response = bhttp::response<bhttp::string_body>;
using nlohmann::json;

// Requests are small JSON documents at most; anything larger is refused by the parser.
constexpr std::size_t kMaxRequestBody = 64 * 1024;
constexpr std::size_t kMaxRequestHeader = 16 * 1024;
// The read buffer's cap. A header, or a chunked body's trailer, must be whole in the buffer to be
// parsed, so this bounds the header block with its trailers (Beast's header limit does not cover
// trailers, and one trailer field over 64 KiB throws inside the parser). Body bytes pass through.
constexpr std::size_t kMaxHeaderBlock = 32 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kReadyTimeout = std::chrono::seconds(2);
constexpr std::size_t kReadyBacklog = 10000;
// After refusing an oversized request: how long and how much of its body to read and drop.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = std::size_t{4} << 20;

void set_common_headers(Response& res) {
  res.set(bhttp::field::server, "napconsult");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(bhttp::field::cache_control, "no-store");
}

Response make_response(unsigned version, bool keep_alive, bhttp::status status,
                       std::string content_type, std::string body) {
  Response res{status, version};
  set_common_headers(res);
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, bhttp::status status, const json& body) {
  return make_response(req.version(), req.keep_alive(), status, "application/json",
                       body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Response error_response(const Request& req, bhttp::status status, std::string_view code,
                        std::string_view message = {}) {
  json body = {{"error", code}};
  if (!message.empty()) body["message"] = message;
  return json_response(req, status, body);
}

Response too_many(const Request& req, double retry_after, std::string_view code) {
  auto res = error_response(req, bhttp::status::too_many_requests, code,
                            "too many attempts from this address; try again later");
  res.set(bhttp::field::retry_after,
          std::to_string(static_cast<long>(std::ceil(std::max(retry_after, 1.0)))));
  return res;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of `name` in a query string, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      std::string out;
      const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '%' && i + 2 < value.size()) {
          const int hi = hex_value(value[i + 1]);
          const int lo = hex_value(value[i + 2]);
          if (hi >= 0 && lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
            continue;
          }
        }
        out += value[i] == '+' ? ' ' : value[i];
      }
      return out;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return s != "." && s != "..";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The token travels as a consult::Token from here on: it cannot be logged (log/log.hpp).
std::optional<consult::Token> bearer_token(const Request& req) {
  const auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return std::nullopt;
  const std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view kPrefix = "Bearer ";
  if (value.size() <= kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return std::nullopt;
    }
  }
  return consult::Token(std::string(value.substr(kPrefix.size())));
}

std::string text_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// One HTTP connection: read a request, answer it, repeat while keep-alive holds.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, app::Context& ctx, const DocumentUpgrade& upgrade,
          std::string address, app::Slot slot)
      : stream_(std::move(socket)),
        ctx_(ctx),
        upgrade_(upgrade),
        address_(std::move(address)),
        slot_(std::move(slot)) {
    ctx_.metrics().http_connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { ctx_.metrics().http_connections.fetch_sub(1, std::memory_order_relaxed); }

  void run() {
    // Start on the connection's strand so that members are never touched concurrently.
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    // The header is read first with the largest limit any route has (Beast checks a
    // Content-Length against the limit as soon as the header is complete); on_header then sets
    // the limit of the request's route.
    parser_->body_limit(std::max(kMaxRequestBody, consult::max_template_bytes()));
    parser_->header_limit(kMaxRequestHeader);
    stream_.expires_after(kRequestTimeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    try {
      route_body();
    } catch (const std::exception& e) {
      fail("reading a request", e);
    }
  }

  void route_body() {
    const auto& req = parser_->get();
    const std::string_view target(req.target().data(), req.target().size());
    const auto limit = takes_template(req.method(), target.substr(0, target.find('?')))
                           ? consult::max_template_bytes()
                           : kMaxRequestBody;
    if (const auto length = parser_->content_length(); length && *length > limit) {
      return on_read(bhttp::error::body_limit);
    }
    parser_->body_limit(limit);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  // Routes whose body is an agenda template (up to the agenda library's size cap).
  static bool takes_template(bhttp::verb method, std::string_view path) {
    if (method == bhttp::verb::post && path == "/api/templates/validate") return true;
    return method == bhttp::verb::put && path.starts_with("/api/consultations/") &&
           path.ends_with("/agenda");
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      return do_close();  // the client went away, mid-request or between requests
    }
    if (ec) {
      if (ec.category() != bhttp::make_error_code(bhttp::error::body_limit).category() &&
          ec != bhttp::error::buffer_overflow) {
        return do_close();  // a socket error or the request timeout
      }
      // A request we refuse to read further. The client may still be sending: read and drop
      // what it sends after answering, so that closing with unread data (a TCP reset) does not
      // destroy the answer in flight.
      linger_ = true;
      head_ = false;
      Request req;
      req.version(11);
      req.keep_alive(false);
      if (ec == bhttp::error::body_limit) {
        return write(error_response(req, bhttp::status::payload_too_large, "payload_too_large"));
      }
      if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        return write(error_response(req, bhttp::status::request_header_fields_too_large,
                                    "header_too_large",
                                    "the request's header (with any trailer) is too large"));
      }
      return write(error_response(req, bhttp::status::bad_request, "bad_request",
                                  "malformed HTTP request: " + ec.message()));
    }
    ctx_.metrics().http_requests.fetch_add(1, std::memory_order_relaxed);
    req_ = parser_->release();
    head_ = req_.method() == bhttp::verb::head;
    try {
      handle();
    } catch (const std::exception& e) {
      fail("handling a request", e);
    }
  }

  // A handler threw: this connection is closed and nothing else is touched. The request is not
  // logged (its target may carry a token).
  void fail(const char* what, const std::exception& e) {
    ctx_.metrics().handler_failures.fetch_add(1, std::memory_order_relaxed);
    log::error("connection_closed_after_error", {{"while", what}, {"error", e}});
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  // Browsers send Origin with every WebSocket upgrade and every cross-origin request. A page of
  // another site may open our documents or post to the API only if the operator allowed its
  // origin (--allowed-origin); requests without Origin (not from a browser) pass.
  bool origin_allowed() const {
    const auto it = req_.find(bhttp::field::origin);
    if (it == req_.end()) return true;
    const std::string_view origin(it->value().data(), it->value().size());
    const auto host_it = req_.find(bhttp::field::host);
    if (host_it != req_.end()) {
      const std::string_view host(host_it->value().data(), host_it->value().size());
      for (const std::string_view scheme : {"http://", "https://"}) {
        if (origin.size() == scheme.size() + host.size() &&
            iequals(origin.substr(0, scheme.size()), scheme) &&
            iequals(origin.substr(scheme.size()), host)) {
          return true;
        }
      }
    }
    return std::any_of(ctx_.config().allowed_origins.begin(), ctx_.config().allowed_origins.end(),
                       [&](const std::string& allowed) { return iequals(allowed, origin); });
  }

  void handle() {
    const std::string_view target(req_.target().data(), req_.target().size());
    const auto qpos = target.find('?');
    const auto path = target.substr(0, qpos);
    const auto query =
        qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1);
    const auto method = req_.method();
    const bool get = method == bhttp::verb::get || method == bhttp::verb::head;

    if ((path.starts_with("/ws/") || (!get && path.starts_with("/api/"))) && !origin_allowed()) {
      return write(error_response(req_, bhttp::status::forbidden, "origin_not_allowed",
                                  "requests from this web page's origin are not allowed"));
    }
    if (path.starts_with("/ws/doc/")) {
      if (!beast::websocket::is_upgrade(req_)) {
        return write(error_response(req_, bhttp::status::upgrade_required, "upgrade_required",
                                    "this endpoint speaks the y-websocket protocol"));
      }
      return handle_document_upgrade(path.substr(8), query);
    }
    if (path == "/api/join") {
      if (method != bhttp::verb::post) return method_not_allowed("POST");
      return handle_join();
    }
    if (path.starts_with("/api/consultations/")) {
      return handle_consultation(path.substr(19), get);
    }
    if (path == "/api/templates/validate") {
      if (method != bhttp::verb::post) return method_not_allowed("POST");
      return handle_validate_template();
    }
    if (path.starts_with("/api/")) {
      return write(error_response(req_, bhttp::status::not_found, "not_found"));
    }
    if (!get) return method_not_allowed("GET, HEAD");
    if (path == "/healthz") {
      return write(json_response(req_, bhttp::status::ok, {{"status", "ok"}}));
    }
    if (path == "/readyz") return handle_ready();
    if (path == "/metrics") {
      auto text = ctx_.metrics().render();
      app::Metrics::render_gauge(text, "napc_connections",
                                 "Open client connections, HTTP and WebSocket.",
                                 static_cast<double>(ctx_.budget().connections()));
      app::Metrics::render_gauge(text, "napc_buffered_message_bytes",
                                 "Bytes held for unfinished WebSocket messages.",
                                 static_cast<double>(ctx_.budget().buffered_bytes()));
      return write(make_response(req_.version(), req_.keep_alive(), bhttp::status::ok,
                                 "text/plain; version=0.0.4; charset=utf-8", std::move(text)));
    }
    if (auto file = read_static_file(ctx_.config().web_root, path)) {
      auto res = make_response(req_.version(), req_.keep_alive(), bhttp::status::ok,
                               file->content_type, std::move(file->body));
      if (file->content_type.starts_with("text/html")) {
        res.set("Content-Security-Policy",
                "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
      }
      return write(std::move(res));
    }
    return write(error_response(req_, bhttp::status::not_found, "not_found"));
  }

  void method_not_allowed(const char* allow) {
    auto res = error_response(req_, bhttp::status::method_not_allowed, "method_not_allowed");
    res.set(bhttp::field::allow, allow);
    write(std::move(res));
  }

  // Runs `work` on the storage thread and `done` with its result back on this strand. A task
  // that throws answers 500.
  template <typename Work, typename Done>
  void with_storage(Work work, Done done) {
    auto self = shared_from_this();
    ctx_.storage().post(
        [self, work = std::move(work), done = std::move(done)](storage::Database& db) mutable {
          std::optional<decltype(work(db))> result;
          std::string failure;
          try {
            result.emplace(work(db));
          } catch (const std::exception& e) {
            failure = e.what();
          }
          net::post(self->stream_.get_executor(),
                    [self, result = std::move(result), failure = std::move(failure),
                     done = std::move(done)]() mutable {
                      if (!result) {
                        log::error("request_failed_in_storage", {{"error", failure}});
                        return self->write(error_response(
                            self->req_, bhttp::status::internal_server_error, "internal_error"));
                      }
                      try {
                        done(std::move(*result));
                      } catch (const std::exception& e) {
                        self->fail("answering a request", e);
                      }
                    });
        });
  }

  void handle_join() {
    // Every attempt takes a token before it is evaluated, and one that turns out not to be a
    // wrong guess gives it back: guesses sent in parallel cannot all pass the check before the
    // first failure is counted.
    double retry_after = 0;
    auto& limiter = ctx_.join_failure_limiter();
    if (!limiter.take(address_, app::Clock::now(), &retry_after)) {
      ctx_.metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
      return write(too_many(req_, retry_after, "too_many_attempts"));
    }
    const auto body = json::parse(req_.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      limiter.give_back(address_, app::Clock::now());
      return write(error_response(req_, bhttp::status::bad_request, "invalid_json",
                                  "the body must be a JSON object"));
    }
    consult::JoinRequest request;
    request.code = text_field(body, "code");
    request.display_name = text_field(body, "display_name");
    request.organisation = text_field(body, "organisation");
    request.constituency = text_field(body, "constituency");
    with_storage(
        [request = std::move(request)](storage::Database& db) {
          return consult::join(db, request, storage::unix_now());
        },
        [this](std::variant<consult::Joined, consult::JoinFailure> outcome) {
          if (const auto* joined = std::get_if<consult::Joined>(&outcome)) {
            ctx_.join_failure_limiter().give_back(address_, app::Clock::now());
            ctx_.metrics().joins.fetch_add(1, std::memory_order_relaxed);
            // Neither the code nor the token it bought is logged.
            log::debug("joined", {{"consultation", joined->consultation_id},
                                  {"role", consult::to_string(joined->role)}});
            return write(json_response(req_, bhttp::status::created,
                                       {{"participant_id", joined->participant_id},
                                        {"token", joined->token},
                                        {"role", consult::to_string(joined->role)},
                                        {"consultation_id", joined->consultation_id},
                                        {"constituency", joined->constituency}}));
          }
          const auto& failure = std::get<consult::JoinFailure>(outcome);
          ctx_.metrics().join_failures.fetch_add(1, std::memory_order_relaxed);
          log::debug("join_refused", {{"reason", consult::to_string(failure.error)}});
          if (failure.error == consult::JoinError::invalid_request) {
            ctx_.join_failure_limiter().give_back(address_, app::Clock::now());
            return write(error_response(req_, bhttp::status::bad_request,
                                        consult::to_string(failure.error), failure.message));
          }
          // Every refused code keeps its token: guessing codes gets slow quickly.
          write(error_response(req_, bhttp::status::forbidden, consult::to_string(failure.error),
                               failure.message));
        });
  }

  void handle_consultation(std::string_view rest, bool get) {
    const auto slash = rest.find('/');
    const auto id = rest.substr(0, slash);
    const auto sub = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (!valid_id(id) ||
        (!sub.empty() && sub != "contributions" && sub != "agenda" && sub != "template")) {
      return write(error_response(req_, bhttp::status::not_found, "not_found"));
    }
    if (sub == "agenda" && req_.method() == bhttp::verb::put) {
      return handle_put_agenda(std::string(id));
    }
    if (!get) return method_not_allowed(sub == "agenda" ? "GET, HEAD, PUT" : "GET, HEAD");
    auto token = bearer_token(req_);
    if (!token) return unauthorized();
    struct Outcome {
      bool authenticated = false;
      bool allowed = false;
      bool missing = false;  // the consultation has no template (created from the outline)
      json view;
    };
    with_storage(
        [token = std::move(*token), id = std::string(id),
         sub = std::string(sub)](storage::Database& db) {
          Outcome out;
          const auto who = consult::authenticate(db, token);
          if (!who) return out;
          out.authenticated = true;
          if (who->consultation_id != id) return out;
          if (sub == "contributions") {
            // The contribution ledger names people: the facilitator's view only.
            if (who->role != consult::Role::facilitator) return out;
            out.view = consult::contributions_view(db, id);
          } else if (sub == "agenda") {
            out.view = consult::agenda_view(db, id);
          } else if (sub == "template") {
            out.view = consult::template_view(db, id);
            if (out.view.is_null()) out.missing = true;
          } else {
            out.view = consult::consultation_view(db, id, *who);
          }
          out.allowed = !out.view.is_null() || out.missing;
          return out;
        },
        [this](Outcome out) {
          if (!out.authenticated) return unauthorized();
          if (out.missing) {
            return write(error_response(req_, bhttp::status::not_found, "no_template",
                                        "this consultation was created from the outline alone"));
          }
          if (!out.allowed) {
            return write(error_response(req_, bhttp::status::forbidden, "forbidden",
                                        "this token may not read this"));
          }
          write(json_response(req_, bhttp::status::ok, out.view));
        });
  }

  // 422 with every problem the agenda library found, as `napconsult agendas validate` would.
  // The first agendas::kMaxListedIssues problems are listed, then a line saying how many more
  // there are; `issue_count` counts them all.
  void invalid_template(const consult::TemplateOutcome& outcome) {
    const auto count = outcome.issue_count;
    write(json_response(req_, bhttp::status::unprocessable_entity,
                        {{"error", "invalid_template"},
                         {"message", "the template has " + std::to_string(count) +
                                         (count == 1 ? " problem" : " problems")},
                         {"issue_count", count},
                         {"issues", consult::issues_json(outcome.issues)}}));
  }

  // PUT /api/consultations/<id>/agenda: the facilitator replaces the agenda with their own
  // template. The token is checked first (an unauthorised body is never parsed), the template
  // is validated here on the connection's strand, and the replacement is one transaction on
  // the storage thread.
  void handle_put_agenda(std::string id) {
    auto token = bearer_token(req_);
    if (!token) return unauthorized();
    struct Access {
      int status = 401;  // 401 unknown token, 403 not this consultation's facilitator, 200 ok
      consult::Principal who;
    };
    with_storage(
        [token = std::move(*token), id](storage::Database& db) {
          Access out;
          const auto who = consult::authenticate(db, token);
          if (!who) return out;
          out.status = 403;
          if (who->consultation_id != id || who->role != consult::Role::facilitator) return out;
          if (!db.find_consultation(id)) return out;
          out.status = 200;
          out.who = *who;
          return out;
        },
        [this, id](Access access) {
          if (access.status == 401) return unauthorized();
          if (access.status == 403) {
            return write(error_response(req_, bhttp::status::forbidden, "forbidden",
                                        "only this consultation's facilitator may change its "
                                        "agenda"));
          }
          auto outcome = consult::plan_from_text(req_.body(), "upload", "upload");
          if (!outcome.plan) return invalid_template(outcome);
          struct Replaced {
            bool conflict = false;
            json body;
          };
          with_storage(
              [id, who = access.who, plan = std::move(*outcome.plan)](storage::Database& db) {
                Replaced out;
                const auto result = consult::replace_agenda(db, id, plan, storage::unix_now());
                if (const auto* c = std::get_if<consult::AgendaConflict>(&result)) {
                  out.conflict = true;
                  out.body = {{"error", "section_kind_conflict"},
                              {"message",
                               "these sections have content and the template changes their "
                               "document kind"},
                              {"sections", c->sections}};
                  return out;
                }
                const auto& done = std::get<consult::AgendaReplaced>(result);
                out.body = consult::consultation_view(db, id, who);
                out.body["added_sections"] = done.added;
                out.body["retired_sections"] = done.retired;
                return out;
              },
              [this](Replaced out) {
                write(json_response(
                    req_, out.conflict ? bhttp::status::conflict : bhttp::status::ok, out.body));
              });
        });
  }

  // POST /api/templates/validate: a facilitator previews what a template would give (its
  // problems, or its sections and agenda) without changing anything.
  void handle_validate_template() {
    auto token = bearer_token(req_);
    if (!token) return unauthorized();
    with_storage(
        [token = std::move(*token)](storage::Database& db) {
          const auto who = consult::authenticate(db, token);
          return who ? (who->role == consult::Role::facilitator ? 200 : 403) : 401;
        },
        [this](int status) {
          if (status == 401) return unauthorized();
          if (status == 403) {
            return write(error_response(req_, bhttp::status::forbidden, "forbidden",
                                        "only facilitators may validate templates"));
          }
          const auto outcome = consult::plan_from_text(req_.body(), "upload", "upload");
          if (!outcome.plan) return invalid_template(outcome);
          json sections = json::array();
          for (const auto& s : outcome.plan->sections) sections.push_back(s.key);
          write(json_response(req_, bhttp::status::ok,
                              {{"valid", true},
                               {"template", outcome.plan->record.id},
                               {"sections", std::move(sections)},
                               {"agenda", consult::agenda_json(outcome.plan->agenda)}}));
        });
  }

  void unauthorized() {
    auto res = error_response(req_, bhttp::status::unauthorized, "unauthorized",
                              "a valid bearer token is required");
    res.set(bhttp::field::www_authenticate, "Bearer");
    write(std::move(res));
  }

  void handle_document_upgrade(std::string_view rest, std::string_view query) {
    const auto reject = [this](bhttp::status status, std::string_view code,
                               std::string_view message) {
      ctx_.metrics().ws_rejected.fetch_add(1, std::memory_order_relaxed);
      // The target is not logged: its query carries the token.
      log::debug("upgrade_rejected", {{"status", static_cast<unsigned>(status)}, {"reason", code}});
      auto res = error_response(req_, status, code, message);
      res.keep_alive(false);
      write(std::move(res));
    };
    if (ctx_.draining()) {
      return reject(bhttp::status::service_unavailable, "shutting_down", "the server is stopping");
    }
    double retry_after = 0;
    if (!ctx_.connection_limiter().take(address_, app::Clock::now(), &retry_after)) {
      ctx_.metrics().rate_limited.fetch_add(1, std::memory_order_relaxed);
      ctx_.metrics().ws_rejected.fetch_add(1, std::memory_order_relaxed);
      auto res = too_many(req_, retry_after, "too_many_connections");
      res.keep_alive(false);
      return write(std::move(res));
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      return reject(bhttp::status::not_found, "not_found", "use /ws/doc/<consultation>/<section>");
    }
    const auto consultation = rest.substr(0, slash);
    const auto section = rest.substr(slash + 1);
    if (!valid_id(consultation) || !valid_id(section)) {
      return reject(bhttp::status::not_found, "not_found", "unknown document");
    }
    auto query_token = query_param(query, "token");
    if (!query_token || query_token->empty()) {
      return reject(bhttp::status::unauthorized, "unauthorized", "a token is required");
    }
    auto token = std::optional<consult::Token>(std::in_place, std::move(*query_token));
    struct Outcome {
      int status = 401;  // 401 unknown token, 403 other consultation, 404 no section, 200 ok
      DocumentAccess access;
    };
    with_storage(
        [token = std::move(*token), consultation = std::string(consultation),
         section = std::string(section)](storage::Database& db) {
          Outcome out;
          const auto who = consult::authenticate(db, token);
          if (!who) return out;
          if (who->consultation_id != consultation) {
            out.status = 403;
            return out;
          }
          const auto row = db.find_section(consultation, section);
          if (!row) {
            out.status = 404;
            return out;
          }
          out.status = 200;
          out.access.who = *who;
          out.access.consultation_id = consultation;
          out.access.section_key = section;
          out.access.document = consultation + "/" + section;
          out.access.can_write = consult::can_edit(*who, *row);
          return out;
        },
        [this, reject](Outcome out) {
          switch (out.status) {
            case 200:
              break;
            case 403:
              return reject(bhttp::status::forbidden, "forbidden",
                            "the token does not belong to this consultation");
            case 404:
              return reject(bhttp::status::not_found, "not_found", "no such section");
            default:
              return reject(bhttp::status::unauthorized, "unauthorized", "unknown token");
          }
          if (ctx_.draining()) {
            return reject(bhttp::status::service_unavailable, "shutting_down",
                          "the server is stopping");
          }
          out.access.token_slot =
              ctx_.budget().admit_websocket(std::to_string(out.access.who.participant_id));
          if (!out.access.token_slot) {
            ctx_.metrics().connections_refused_token.fetch_add(1, std::memory_order_relaxed);
            ctx_.metrics().ws_rejected.fetch_add(1, std::memory_order_relaxed);
            auto res = too_many(req_, 5, "too_many_connections_for_token");
            res.keep_alive(false);
            return write(std::move(res));
          }
          out.access.client_address = address_;
          out.access.connection_slot = std::move(slot_);
          stream_.expires_never();
          upgrade_(std::move(stream_), std::move(req_), std::move(out.access));
        });
  }

  void handle_ready() {
    if (ctx_.draining()) {
      return write(
          json_response(req_, bhttp::status::service_unavailable, {{"status", "draining"}}));
    }
    if (ctx_.storage().backlog() > kReadyBacklog) {
      return write(
          json_response(req_, bhttp::status::service_unavailable, {{"status", "storage_backlog"}}));
    }
    // The database must answer, and take its write lock, within kReadyTimeout.
    auto answered = std::make_shared<bool>(false);
    auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), kReadyTimeout);
    auto self = shared_from_this();
    timer->async_wait([self, answered](beast::error_code ec) {
      if (ec || *answered) return;
      *answered = true;
      self->write(json_response(self->req_, bhttp::status::service_unavailable,
                                {{"status", "storage_unresponsive"}}));
    });
    with_storage(
        [](storage::Database& db) {
          storage::Transaction tx(db.connection());
          db.schema_version();
          return true;
        },
        [self, answered, timer](bool) {
          if (*answered) return;
          *answered = true;
          timer->cancel();
          self->write(json_response(self->req_, bhttp::status::ok, {{"status", "ready"}}));
        });
  }

  void write(Response res) {
    // A HEAD answer says how long the body would be and sends none.
    if (head_) res.body().clear();
    auto sp = std::make_shared<Response>(std::move(res));
    bhttp::async_write(stream_, *sp,
                       [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
                         if (ec || !sp->keep_alive()) return self->do_close();
                         self->do_read();
                       });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_) do_drain();
  }

  // Lingering close: discard what the peer still sends, for a bounded time and size.
  void do_drain() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<char, 16384>>();
    stream_.expires_after(kLingerTimeout);
    stream_.async_read_some(net::buffer(*drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxLingerBytes) return;
                              self->do_drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kMaxHeaderBlock};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request req_;
  app::Context& ctx_;
  const DocumentUpgrade& upgrade_;
  std::string address_;
  app::Slot slot_;     // this connection in the server's budgets (moves on at an upgrade)
  bool head_ = false;  // the request being answered is a HEAD
  bool linger_ = false;
  std::size_t drained_ = 0;
  std::unique_ptr<std::array<char, 16384>> drain_buffer_;
};

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, app::Context& ctx, const DocumentUpgrade& upgrade)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), ctx_(ctx), upgrade_(upgrade) {}

  void open(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    endpoint_ = acceptor_.local_endpoint();
  }

  void accept() {
    // The new connection gets its own strand.
    acceptor_.async_accept(
        net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
          if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
          if (!ec) {
            self->admit(std::move(s));
          } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
            // Out of file descriptors: back off briefly instead of spinning.
            auto timer = std::make_shared<net::steady_timer>(self->acceptor_.get_executor(),
                                                             std::chrono::milliseconds(50));
            return timer->async_wait([self, timer](beast::error_code) { self->accept(); });
          }
          self->accept();
        });
  }

  // A connection the budgets have no room for is closed at once: holding it would cost a
  // descriptor and memory, and answering would cost more than the attacker pays.
  void admit(tcp::socket socket) {
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    auto address = remote.address().to_string();
    app::ConnectionBudget::Refusal why{};
    auto slot = ctx_.budget().admit_connection(address, &why);
    if (!slot) {
      auto& m = ctx_.metrics();
      (why == app::ConnectionBudget::Refusal::address ? m.connections_refused_address
                                                      : m.connections_refused_total)
          .fetch_add(1, std::memory_order_relaxed);
      socket.close(ec);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    try {
      std::make_shared<Session>(std::move(socket), ctx_, upgrade_, std::move(address),
                                std::move(slot))
          ->run();
    } catch (const std::exception& e) {
      log::error("connection_start_failed", {{"error", e}});
    }
  }

  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

  tcp::endpoint local_endpoint() const { return endpoint_; }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  app::Context& ctx_;
  const DocumentUpgrade& upgrade_;
  tcp::endpoint endpoint_;
};

HttpServer::HttpServer(net::io_context& ioc, app::Context& ctx, DocumentUpgrade upgrade)
    : ioc_(ioc), ctx_(ctx), upgrade_(std::move(upgrade)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  const auto address = net::ip::make_address(ctx_.config().address);
  listener_ = std::make_shared<Listener>(ioc_, ctx_, upgrade_);
  listener_->open(tcp::endpoint{address, ctx_.config().port});
  listener_->accept();
}

void HttpServer::stop() {
  if (listener_) listener_->close();
}

tcp::endpoint HttpServer::local_endpoint() const { return listener_->local_endpoint(); }

}  // namespace napc::http
