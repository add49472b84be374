// Umbrella header of the agenda library (Tool 11 agenda templates, Tool 13 NAP outline).
#pragma once

#include <agendas/cli.hpp>
#include <agendas/issue.hpp>
#include <agendas/json.hpp>
#include <agendas/library.hpp>
#include <agendas/model.hpp>
