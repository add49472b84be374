// `napconsult agendas list|show|validate`: the command-line face of the agenda library.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace napc::agendas {

/**
 * Run `napconsult agendas …`. `args` start after "agendas":
 *
 *   list [--dir DIR]                         one line per template: id, then its title
 *   show ID|FILE [--lang en|fr|es] [--dir DIR]
 *                                            the agenda with clock times, groups, polls, sections
 *   validate FILE... [--dir DIR]             `FILE: OK`, or one `FILE:/pointer: message` per error
 *   outline [ID] [--lang en|fr|es]           the NAP outline's sections
 *
 * DIR defaults to default_dir(). Never throws.
 * @return 0 on success, 1 when a file is invalid or an id unknown, 2 on a usage error.
 */
int run_cli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace napc::agendas
