#pragma once
// Namespace aliases used throughout the server.
#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace napc {
// A request as the HTTP layer reads it and the WebSocket upgrade takes it.
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
}  // namespace napc
