// napconsult: the NAP Consult server and its administration commands.
//
//   napconsult serve [--listen ADDR:PORT] [--web DIR]
//   napconsult demo  [--listen ADDR:PORT] [--web DIR]
//   napconsult help | version
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/http_server.hpp"
#include "net/net.hpp"

#ifndef NAPC_DEFAULT_WEB_ROOT
#define NAPC_DEFAULT_WEB_ROOT ""
#endif

namespace {

constexpr std::string_view kUsage =
    "usage: napconsult <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     run the server\n"
    "  demo      run the server with a demo consultation\n"
    "  version   print the version\n"
    "  help      print this help\n"
    "\n"
    "options for serve and demo:\n"
    "  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080)\n"
    "  --web DIR            directory of the built web client\n";

struct ServeOptions {
  napc::http::ServerConfig http;
};

// Splits "ADDR:PORT" (IPv6 as "[::1]:PORT"). Returns false when malformed.
bool parse_listen(std::string_view text, napc::http::ServerConfig& config) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return false;
  }
  config.address = std::string(host);
  config.port = static_cast<unsigned short>(port);
  return true;
}

std::optional<ServeOptions> parse_serve_options(std::span<const std::string_view> args) {
  ServeOptions opts;
  opts.http.web_root = NAPC_DEFAULT_WEB_ROOT;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--listen" && has_value) {
      if (!parse_listen(args[++i], opts.http)) {
        std::cerr << "napconsult: --listen wants ADDR:PORT, got '" << args[i] << "'\n";
        return std::nullopt;
      }
    } else if (arg == "--web" && has_value) {
      opts.http.web_root = std::string(args[++i]);
    } else {
      std::cerr << "napconsult: unknown or incomplete option '" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  return opts;
}

int serve(const ServeOptions& opts, bool demo) {
  net::io_context ioc;
  napc::http::HttpServer server(ioc, opts.http);
  try {
    server.start();
  } catch (const boost::system::system_error& e) {
    std::cerr << "napconsult: cannot listen on " << opts.http.address << ':' << opts.http.port
              << ": " << e.code().message() << '\n';
    return 1;
  }
  const auto endpoint = server.local_endpoint();
  const std::string base = "http://" + endpoint.address().to_string() + ':' +
                           std::to_string(endpoint.port());
  std::cout << "napconsult listening on " << base << (demo ? " (demo)" : "") << '\n'
            << "  health: " << base << "/healthz\n"
            << "  web client: " << base << "/\n"
            << std::flush;

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::cout << "napconsult: shutting down\n" << std::flush;
    server.stop();
    ioc.stop();
  });

  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  threads.reserve(n - 1);
  for (unsigned i = 1; i < n; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  return 0;
}

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
  if (command == "serve" || command == "demo") {
    const auto opts = parse_serve_options(rest);
    if (!opts) return 2;
    return serve(*opts, command == "demo");
  }
  std::cerr << "napconsult: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
