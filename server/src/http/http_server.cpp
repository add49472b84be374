#include "http/http_server.hpp"

#include <chrono>
#include <iostream>
#include <utility>

#include "http/static_files.hpp"

namespace napc::http {
namespace {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Requests are small JSON documents at most; anything larger is refused by the parser.
constexpr std::size_t kMaxRequestBody = 64 * 1024;
constexpr std::size_t kMaxRequestHeader = 16 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(30);

void set_common_headers(Response& res) {
  res.set(bhttp::field::server, "napconsult");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(bhttp::field::cache_control, "no-store");
}

Response json_response(const Request& req, bhttp::status status, std::string body) {
  Response res{status, req.version()};
  set_common_headers(res);
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response handle_request(const ServerConfig& config, const Request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const auto path = target.substr(0, target.find('?'));
  const bool head = req.method() == bhttp::verb::head;
  if (req.method() != bhttp::verb::get && !head) {
    auto res = json_response(req, bhttp::status::method_not_allowed,
                             R"({"error":"method_not_allowed"})");
    res.set(bhttp::field::allow, "GET, HEAD");
    return res;
  }
  if (path == "/healthz") {
    return json_response(req, bhttp::status::ok, R"({"status":"ok"})");
  }
  if (auto file = read_static_file(config.web_root, path)) {
    Response res{bhttp::status::ok, req.version()};
    set_common_headers(res);
    res.set(bhttp::field::content_type, file->content_type);
    if (file->content_type.starts_with("text/html")) {
      res.set("Content-Security-Policy",
              "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    }
    res.keep_alive(req.keep_alive());
    res.body() = std::move(file->body);
    res.prepare_payload();
    if (head) res.body().clear();
    return res;
  }
  return json_response(req, bhttp::status::not_found, R"({"error":"not_found"})");
}

// One HTTP connection: read a request, answer it, repeat while keep-alive holds.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const ServerConfig& config)
      : stream_(std::move(socket)), config_(config) {}

  void run() {
    // Start on the connection's strand so that members are never touched concurrently.
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    parser_->header_limit(kMaxRequestHeader);
    stream_.expires_after(kRequestTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return do_close();
    if (ec) {
      if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
        Request req;
        req.version(11);
        req.keep_alive(false);
        return write(json_response(req, bhttp::status::payload_too_large,
                                   R"({"error":"payload_too_large"})"));
      }
      return do_close();
    }
    write(handle_request(config_, parser_->get()));
  }

  void write(Response res) {
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
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerConfig& config_;
};

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, const ServerConfig& config)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), config_(config) {}

  void open(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  void accept() {
    // The new connection gets its own strand.
    acceptor_.async_accept(net::make_strand(ioc_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             if (ec == net::error::operation_aborted) return;
                             if (!ec) {
                               std::make_shared<Session>(std::move(socket), self->config_)->run();
                             }
                             self->accept();
                           });
  }

  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  const ServerConfig& config_;
};

HttpServer::HttpServer(net::io_context& ioc, ServerConfig config)
    : ioc_(ioc), config_(std::move(config)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  const auto address = net::ip::make_address(config_.address);
  listener_ = std::make_shared<Listener>(ioc_, config_);
  listener_->open(tcp::endpoint{address, config_.port});
  listener_->accept();
}

void HttpServer::stop() {
  if (listener_) listener_->close();
}

tcp::endpoint HttpServer::local_endpoint() const { return listener_->local_endpoint(); }

}  // namespace napc::http
