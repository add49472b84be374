# `make check` configures with NAPC_SANITIZE=ON and clang: ASan + UBSan on every target.
if(NAPC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# napc_add_fuzzer(name source... LINK libs...): a libFuzzer target, built only with NAPC_FUZZ.
function(napc_add_fuzzer name)
  cmake_parse_arguments(F "" "" "LINK" ${ARGN})
  if(NOT NAPC_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_UNPARSED_ARGUMENTS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LINK})
endfunction()
