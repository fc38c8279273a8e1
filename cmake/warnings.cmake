# One INTERFACE target carries warnings and sanitizer flags; every vigil target links it.
add_library(vigil_warnings INTERFACE)
target_compile_options(vigil_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(VIGIL_SANITIZE)
  target_compile_options(vigil_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=undefined)
  target_link_options(vigil_warnings INTERFACE -fsanitize=address,undefined)
endif()
if(VIGIL_TSAN)
  target_compile_options(vigil_warnings INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(vigil_warnings INTERFACE -fsanitize=thread)
endif()
# Sanitized code runs slower (ASan+UBSan about 2-3x at -O1, TSan 5-15x): the tests' time limits
# are multiplied by this (tests/CMakeLists.txt, cmake/fuzz.cmake) rather than dropped.
set(VIGIL_TIMEOUT_SCALE 1)
if(VIGIL_SANITIZE)
  set(VIGIL_TIMEOUT_SCALE 3)
endif()
if(VIGIL_TSAN)
  set(VIGIL_TIMEOUT_SCALE 10)
endif()

# vigil_add_module(NAME SOURCES... DEPS ...): one library per lib/<module>, tests beside it.
function(vigil_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TEST_SOURCES;TEST_DEPS" ${ARGN})
  add_library(vigil_${name} STATIC ${M_SOURCES})
  target_include_directories(vigil_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(vigil_${name} PUBLIC ${M_DEPS} PRIVATE vigil_warnings)
  if(VIGIL_TESTS AND M_TEST_SOURCES)
    add_executable(vigil_${name}_tests ${M_TEST_SOURCES})
    target_link_libraries(vigil_${name}_tests PRIVATE vigil_${name} ${M_TEST_DEPS} GTest::gtest_main
                                                      GTest::gmock vigil_warnings)
    target_compile_definitions(vigil_${name}_tests PRIVATE
      VIGIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      VIGIL_BINARY_DIR="${CMAKE_BINARY_DIR}")
    gtest_discover_tests(vigil_${name}_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
endfunction()
