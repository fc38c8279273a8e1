# Extractor plugins (plugins/<name>/, docs/ARCHITECTURE.md conventions 2-3).
#
# vigil_add_plugin(<name> SOURCES ... [DEPS ...] [TEST_SOURCES ...] [TEST_DEPS ...]
#                  [FUZZ_SOURCES ...] [UNREGISTERED])
#   builds plugins/<name> as the library vigil_plugin_<name> (its factory,
#   make_<name>_extractor(), declared in plugins/<name>/<name>.hpp), its gtest executable
#   vigil_plugin_<name>_tests (label unit) and, with VIGIL_FUZZ, the libFuzzer target
#   <name>_extract_fuzz (without VIGIL_FUZZ: its replay test fuzz_replay.<name>_extract_fuzz over
#   plugins/<name>/fuzz/corpus, cmake/fuzz.cmake). A registered plugin is linked into
#   vigil_plugins, whose plugins/builtin.cpp names each factory once (Registry::builtin).
#   UNREGISTERED is for plugins/_template: built and tested, never part of vigil.
function(vigil_add_plugin name)
  cmake_parse_arguments(P "UNREGISTERED" "" "SOURCES;DEPS;TEST_SOURCES;TEST_DEPS;FUZZ_SOURCES"
                        ${ARGN})
  set(lib vigil_plugin_${name})
  add_library(${lib} STATIC ${P_SOURCES})
  # #include "<name>/<name>.hpp" from builtin.cpp and from the plugin's own tests.
  target_include_directories(${lib} PUBLIC ${CMAKE_SOURCE_DIR}/plugins)
  target_link_libraries(${lib} PUBLIC vigil_extract vigil_core ${P_DEPS} PRIVATE vigil_warnings)
  if(VIGIL_TESTS AND P_TEST_SOURCES)
    add_executable(${lib}_tests ${P_TEST_SOURCES})
    target_link_libraries(${lib}_tests PRIVATE ${lib} ${P_TEST_DEPS} GTest::gtest_main GTest::gmock
                                               vigil_warnings)
    target_compile_definitions(${lib}_tests PRIVATE VIGIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                                    VIGIL_BINARY_DIR="${CMAKE_BINARY_DIR}")
    gtest_discover_tests(${lib}_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
  if(VIGIL_FUZZ AND P_FUZZ_SOURCES)
    add_executable(${name}_extract_fuzz ${P_FUZZ_SOURCES})
    target_link_libraries(${name}_extract_fuzz PRIVATE ${lib} vigil_warnings)
    target_compile_options(${name}_extract_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name}_extract_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  elseif(P_FUZZ_SOURCES)
    vigil_add_fuzz_replay(${name}_extract_fuzz SOURCES ${P_FUZZ_SOURCES} DEPS ${lib}
                          CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus)
  endif()
  if(NOT P_UNREGISTERED)
    set_property(GLOBAL APPEND PROPERTY VIGIL_PLUGIN_TARGETS ${lib})
  endif()
endfunction()

# Every plugin folder with a CMakeLists.txt is built; vigil_plugins (plugins/builtin.cpp) links
# the registered ones. Called once from the top-level CMakeLists.txt.
function(vigil_add_plugins)
  file(GLOB folders LIST_DIRECTORIES true RELATIVE ${CMAKE_SOURCE_DIR}/plugins
       ${CMAKE_SOURCE_DIR}/plugins/*)
  list(SORT folders)
  foreach(p IN LISTS folders)
    if(EXISTS ${CMAKE_SOURCE_DIR}/plugins/${p}/CMakeLists.txt)
      add_subdirectory(${CMAKE_SOURCE_DIR}/plugins/${p} ${CMAKE_BINARY_DIR}/plugins/${p})
    endif()
  endforeach()
  get_property(targets GLOBAL PROPERTY VIGIL_PLUGIN_TARGETS)
  add_library(vigil_plugins STATIC ${CMAKE_SOURCE_DIR}/plugins/builtin.cpp)
  target_link_libraries(vigil_plugins PUBLIC vigil_extract PRIVATE ${targets} vigil_warnings)
  target_include_directories(vigil_plugins PRIVATE ${CMAKE_SOURCE_DIR}/plugins)
  if(VIGIL_TESTS)
    # Fails when a folder under plugins/ (other than _template) is missing from builtin.cpp.
    add_executable(vigil_plugins_tests ${CMAKE_SOURCE_DIR}/plugins/registry_test.cpp)
    target_link_libraries(vigil_plugins_tests PRIVATE vigil_plugins GTest::gtest_main
                                                      vigil_warnings)
    target_compile_definitions(vigil_plugins_tests PRIVATE VIGIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    gtest_discover_tests(vigil_plugins_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  endif()
endfunction()
