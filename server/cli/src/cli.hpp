#pragma once
// The napconsult sub-commands (main.cpp dispatches). Each takes the arguments after its name
// and returns the process exit code: 0 success, 1 failure, 2 usage error.
#include <span>
#include <string_view>

namespace napc::cli {

int serve(std::span<const std::string_view> args, bool demo);
int consultation(std::span<const std::string_view> args);
int db(std::span<const std::string_view> args);

}  // namespace napc::cli
