# Fails when a file of one layer includes a header of a layer above it
# (base <- format <- plan <- graph <- exec <- cli). Linking does not catch
# that: a header-only use of an upper layer links fine and silently grows a
# cycle. Run as: cmake -DSOURCE_DIR=<repo> -P cmake/check_layers.cmake
set(layers base format plan graph exec cli)
set(violations "")
foreach(layer ${layers})
  list(FIND layers ${layer} rank)
  file(GLOB_RECURSE files ${SOURCE_DIR}/include/surgeon/${layer}/* ${SOURCE_DIR}/src/${layer}/*)
  foreach(f ${files})
    file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${includes})
      # "surgeon/<layer>/x.h" (public) or "<layer>/x.h" (private, under src/).
      if(line MATCHES "\"(surgeon/)?([a-z]+)/[^\"]+\"")
        list(FIND layers ${CMAKE_MATCH_2} included)
        if(included GREATER rank)
          file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
          string(STRIP "${line}" line)
          list(APPEND violations "${rel} (${layer}) includes an upper layer (${CMAKE_MATCH_2}): ${line}")
        endif()
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "upward includes:\n  ${text}")
endif()
message(STATUS "layering: no upward includes")
