#pragma once
// The HTTP front door: accepts connections, parses requests with Beast and answers them.
// At this stage it serves /healthz and the web client; the sync endpoints attach here later.
#include <filesystem>
#include <memory>
#include <string>

#include "net/net.hpp"

namespace napc::http {

struct ServerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  std::filesystem::path web_root;  // the built web client; empty serves no pages
};

class HttpServer {
 public:
  HttpServer(net::io_context& ioc, ServerConfig config);
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
  ServerConfig config_;
  std::shared_ptr<Listener> listener_;
};

}  // namespace napc::http
