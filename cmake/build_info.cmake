# Run at every build (the widthlab_build_info target): writes OUT (generated/build_info.inc) with the source tree's
# git commit, "-dirty" when tracked files differ from it, or "unknown" outside a git checkout. configure_file leaves
# OUT untouched when its text is unchanged, so an unchanged tree recompiles nothing. Read by src/core/provenance.cpp.
set(_commit "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE _head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _head)
    set(_commit ${_head})
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE _changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_changes)
      set(_commit "${_commit}-dirty")
    endif()
  endif()
endif()
set(WIDTHLAB_GIT_COMMIT ${_commit})
configure_file(${SOURCE_DIR}/cmake/build_info.inc.in ${OUT} @ONLY)
