# Fuzz targets as replay tests (fuzz/README.md).
#
# vigil_add_fuzz_replay(<target> SOURCES ... [DEPS ...] CORPUS <folder>)
#   builds <target>_replay from the libFuzzer target's sources and fuzz/replay_main.cpp with the
#   normal compiler, and the CTest test fuzz_replay.<target> (label fuzz-replay), which runs it
#   over CORPUS (the committed seeds) and fuzz/regressions/<target>/ (past crashing inputs) when
#   that folder exists. The test fails on a crash and when it found no input at all.
#   Used by fuzz/CMakeLists.txt and by vigil_add_plugin (cmake/plugins.cmake).
function(vigil_add_fuzz_replay target)
  if(NOT VIGIL_TESTS)
    return()
  endif()
  cmake_parse_arguments(R "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(NOT R_CORPUS)
    message(FATAL_ERROR "vigil_add_fuzz_replay(${target}): CORPUS is required")
  endif()
  # The driver is compiled once for every target.
  if(NOT TARGET vigil_fuzz_replay_main)
    add_library(vigil_fuzz_replay_main OBJECT ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp)
    target_link_libraries(vigil_fuzz_replay_main PRIVATE vigil_warnings)
  endif()
  add_executable(${target}_replay ${R_SOURCES} $<TARGET_OBJECTS:vigil_fuzz_replay_main>)
  target_link_libraries(${target}_replay PRIVATE ${R_DEPS} vigil_warnings)
  set(folders ${R_CORPUS})
  if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/regressions/${target})
    list(APPEND folders ${CMAKE_SOURCE_DIR}/fuzz/regressions/${target})
  endif()
  add_test(NAME fuzz_replay.${target} COMMAND ${target}_replay ${folders})
  math(EXPR limit "300 * ${VIGIL_TIMEOUT_SCALE}")
  set_tests_properties(fuzz_replay.${target} PROPERTIES LABELS fuzz-replay TIMEOUT ${limit})
  # A target's written LeakSanitizer suppressions (leaks inside an uninstrumented library, each
  # with its reason) apply to its replay too, for the asan preset.
  get_filename_component(source_dir ${R_CORPUS} DIRECTORY)
  if(EXISTS ${source_dir}/lsan.supp)
    set_tests_properties(fuzz_replay.${target} PROPERTIES
                         ENVIRONMENT "LSAN_OPTIONS=suppressions=${source_dir}/lsan.supp")
  endif()
endfunction()
