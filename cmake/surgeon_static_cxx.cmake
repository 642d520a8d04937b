# surgeon_protobuf, surgeon_yaml_cpp, surgeon_snappy: the C++ libraries as
# surgeon's targets link them.
#
# Why: a `surgeon run` pays its start-up on every call, and against a
# 0.15-0.2 s `cp` of the demo (bench/README.md) every millisecond is half a
# percent. Of `surgeon --version`'s ~9 ms, about 3 went to the dynamic
# loader resolving libprotobuf's, yaml-cpp's and libstdc++'s symbols
# (`perf record`: _dl_relocate_object, do_lookup_x). Executables therefore
# link Debian's static archives of the same packages (libprotobuf.a,
# libyaml-cpp.a, libsnappy.a) and libstdc++/libgcc statically, when a test
# program links that way: --version 7.3 -> 4.2 ms, `inspect` 8.9 -> 5.6 ms,
# `run --link --no-verify` 15.1 -> 10.9 ms (perf stat, interleaved). Shared
# objects (the Python module) keep the shared libraries: Debian's
# libprotobuf.a is not position-independent. Sanitizer builds keep them too:
# nothing there is timed, and ASan's runtime replaces operator new and
# intercepts libstdc++ through the dynamic linker.
#
# Sets SURGEON_STATIC_CXX (ON when executables link statically).
include(CheckCXXSourceCompiles)

set(SURGEON_STATIC_CXX OFF)
if(NOT SURGEON_SANITIZE)
  find_library(SURGEON_PROTOBUF_ARCHIVE NAMES libprotobuf.a)
  find_library(SURGEON_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a)
  find_library(SURGEON_SNAPPY_ARCHIVE NAMES libsnappy.a)
  if(SURGEON_PROTOBUF_ARCHIVE AND SURGEON_YAML_CPP_ARCHIVE AND SURGEON_SNAPPY_ARCHIVE)
    set(CMAKE_REQUIRED_LIBRARIES
        "${SURGEON_PROTOBUF_ARCHIVE};${SURGEON_YAML_CPP_ARCHIVE};${SURGEON_SNAPPY_ARCHIVE};pthread;z")
    set(CMAKE_REQUIRED_LINK_OPTIONS -static-libstdc++ -static-libgcc)
    check_cxx_source_compiles([[
      #include <google/protobuf/stubs/common.h>
      #include <snappy.h>
      #include <yaml-cpp/yaml.h>
      #include <string>
      int main(int argc, char** argv) {
        std::string out;
        snappy::Compress(argv[0], 1, &out);
        if (argc > 9) google::protobuf::ShutdownProtobufLibrary();
        return YAML::Load(argv[0]).IsNull() ? 1 : 0;
      }]] SURGEON_STATIC_CXX_LINKS)
    unset(CMAKE_REQUIRED_LIBRARIES)
    unset(CMAKE_REQUIRED_LINK_OPTIONS)
    set(SURGEON_STATIC_CXX ${SURGEON_STATIC_CXX_LINKS})
  endif()
endif()

# An INTERFACE target `name` that links `archive` into executables and the
# imported target `shared` into everything else (and for compiling: the
# headers are the same package's).
function(surgeon_cxx_dependency name shared archive)
  add_library(${name} INTERFACE)
  if(SURGEON_STATIC_CXX)
    # $<TARGET_PROPERTY:TYPE> is the type of the target being linked.
    target_link_libraries(${name} INTERFACE "$<IF:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>,${archive},${shared}>")
  else()
    target_link_libraries(${name} INTERFACE ${shared})
  endif()
endfunction()

surgeon_cxx_dependency(surgeon_protobuf protobuf::libprotobuf "${SURGEON_PROTOBUF_ARCHIVE}")
surgeon_cxx_dependency(surgeon_yaml_cpp yaml-cpp "${SURGEON_YAML_CPP_ARCHIVE}")
surgeon_cxx_dependency(surgeon_snappy Snappy::snappy "${SURGEON_SNAPPY_ARCHIVE}")
if(SURGEON_STATIC_CXX)
  message(STATUS "C++ dependencies: executables link protobuf, yaml-cpp, snappy and libstdc++ statically")
  string(APPEND CMAKE_EXE_LINKER_FLAGS " -static-libstdc++ -static-libgcc")
else()
  message(STATUS "C++ dependencies: shared libraries")
endif()
