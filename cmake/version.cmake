# The build records its git commit so that every report can name the exact tool build.
find_package(Git QUIET)
set(VIGIL_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE VIGIL_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT VIGIL_GIT_COMMIT)
    set(VIGIL_GIT_COMMIT "unknown")
  endif()
endif()
