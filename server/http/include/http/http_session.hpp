#pragma once
// The HTTP front door (Beast advanced-server shape): a listener accepts connections, each
// connection gets its own strand and an HttpSession that reads requests and answers them:
//   GET  /healthz /readyz /metrics
//   POST /api/join
//   GET  /api/consultations/<id>          (Authorization: Bearer <token>)
//   GET  /api/consultations/<id>/agenda   (any participant's token)
//   GET  /api/consultations/<id>/template (any participant's token)
//   PUT  /api/consultations/<id>/agenda   (the facilitator's token; body: a template)
//   GET  /api/consultations/<id>/contributions   (the facilitator's token)
//   POST /api/templates/validate          (a facilitator's token; body: a template)
//   GET  /ws/doc/<id>/<section>?token=…   (checked here, before the WebSocket upgrade)
//   GET  /…                               the web client's files
#include <functional>
#include <memory>
#include <string>

#include "app/context.hpp"
#include "consult/identity.hpp"
#include "net/net.hpp"
#include "sync/access.hpp"

namespace napc::http {

using Request = HttpRequest;
using sync::DocumentAccess;

// Takes over an authorised connection and performs the WebSocket upgrade with `req`.
using DocumentUpgrade =
    std::function<void(beast::tcp_stream&& stream, Request&& req, DocumentAccess access)>;

class HttpServer {
 public:
  HttpServer(net::io_context& ioc, app::Context& ctx, DocumentUpgrade upgrade);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Throws boost::system::system_error when the address is taken.
  void start();
  // Stops accepting; connections in flight finish on their own.
  void stop();
  tcp::endpoint local_endpoint() const;

 private:
  class Listener;
  net::io_context& ioc_;
  app::Context& ctx_;
  DocumentUpgrade upgrade_;
  std::shared_ptr<Listener> listener_;
};

}  // namespace napc::http
