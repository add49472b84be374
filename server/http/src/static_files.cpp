#include "static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace napc::http {

std::string_view mime_type(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
      {".md", "text/markdown; charset=utf-8"},
  }};
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const auto ext = path.substr(dot);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

std::optional<StaticFile> read_static_file(const std::filesystem::path& root,
                                           std::string_view target) {
  if (root.empty() || target.empty() || target.front() != '/') return std::nullopt;
  // Percent-encoding is not decoded: asset names are plain ASCII, and refusing '%' and '\\'
  // outright closes every encoded traversal trick.
  if (target.find_first_of("%\\") != std::string_view::npos) return std::nullopt;
  std::filesystem::path rel;
  std::size_t pos = 1;
  while (pos <= target.size()) {
    const auto end = std::min(target.find('/', pos), target.size());
    const auto seg = target.substr(pos, end - pos);
    if (seg == "..") return std::nullopt;
    if (!seg.empty() && seg != ".") rel /= std::string(seg);
    pos = end + 1;
  }
  auto path = root / rel;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) path /= "index.html";
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  // The file must really be inside the root: a symbolic link out of it (to /etc, say) is not
  // followed, whatever it points at.
  const auto real_root = std::filesystem::canonical(root, ec);
  if (ec) return std::nullopt;
  const auto real = std::filesystem::canonical(path, ec);
  if (ec) return std::nullopt;
  const auto [root_end, file_end] =
      std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  if (root_end != real_root.end() || file_end == real.end()) return std::nullopt;
  path = real;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  return StaticFile{std::move(body).str(), std::string(mime_type(path.filename().string()))};
}

}  // namespace napc::http
