# napc_warnings: the warning set every project target compiles with.
add_library(napc_warnings INTERFACE)
target_compile_options(napc_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)
if(NAPC_WERROR)
  target_compile_options(napc_warnings INTERFACE -Werror)
endif()
