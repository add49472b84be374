#pragma once
// Serving the built web client (client-web/dist, or --web DIR) from disk.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace napc::http {

struct StaticFile {
  std::string body;
  std::string content_type;
};

// The MIME type for a file name, by extension; "application/octet-stream" when unknown.
std::string_view mime_type(std::string_view path);

// Resolves the URL path `target` (without query) below `root` and reads it. "/" and
// directories serve index.html. Returns nullopt when the file does not exist or when the path
// would leave `root` (dot-dot segments, encoded or not, are refused).
std::optional<StaticFile> read_static_file(const std::filesystem::path& root,
                                           std::string_view target);

}  // namespace napc::http
