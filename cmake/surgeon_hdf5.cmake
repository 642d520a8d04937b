# surgeon_hdf5: the HDF5 C library as surgeon's targets link it.
#
# Why not just ${HDF5_LIBRARIES}: Debian's libhdf5.so depends on libcurl (for
# its read-only S3 driver), which pulls in OpenSSL, GnuTLS, Kerberos, LDAP,
# ... -- about 30 shared libraries that every surgeon process would map and
# relocate at start-up, about 5 ms of a 12 ms `surgeon inspect`, even when no
# .h5 file is involved. The static libhdf5.a of the same package links
# without them (nothing surgeon calls reaches the S3 driver), so executables
# link it when a test program does. Shared objects (the Python module) keep
# libhdf5.so: Debian's libhdf5.a is not position-independent.
#
# Sets SURGEON_HDF5_STATIC (the archive, or "" when not usable) and defines
# the INTERFACE target surgeon_hdf5 (the libraries to link).
include(CheckCXXSourceCompiles)

set(SURGEON_HDF5_STATIC "")
set(_hdf5_static_deps "")
foreach(lib ${HDF5_LIBRARIES})
  get_filename_component(_name "${lib}" NAME)
  if(_name MATCHES "^libhdf5(_serial)?\\.so$")
    get_filename_component(_dir "${lib}" DIRECTORY)
    string(REGEX REPLACE "\\.so$" ".a" _archive "${_dir}/${_name}")
    if(EXISTS "${_archive}")
      set(SURGEON_HDF5_STATIC "${_archive}")
    endif()
  elseif(NOT _name MATCHES "^lib(curl|crypto|ssl)\\.")
    list(APPEND _hdf5_static_deps "${lib}")
  endif()
endforeach()

if(SURGEON_HDF5_STATIC)
  set(CMAKE_REQUIRED_INCLUDES ${HDF5_INCLUDE_DIRS})
  set(CMAKE_REQUIRED_DEFINITIONS ${HDF5_DEFINITIONS})
  set(CMAKE_REQUIRED_LIBRARIES "${SURGEON_HDF5_STATIC};${_hdf5_static_deps}")
  check_cxx_source_compiles([[
    #include <hdf5.h>
    int main(int argc, char** argv) {
      if (argc > 9) H5Fclose(H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT));
      return 0;
    }]] SURGEON_HDF5_STATIC_LINKS)
  unset(CMAKE_REQUIRED_INCLUDES)
  unset(CMAKE_REQUIRED_DEFINITIONS)
  unset(CMAKE_REQUIRED_LIBRARIES)
  if(NOT SURGEON_HDF5_STATIC_LINKS)
    set(SURGEON_HDF5_STATIC "")
  endif()
endif()

add_library(surgeon_hdf5 INTERFACE)  # Libraries only: the include path stays private to its users.
if(SURGEON_HDF5_STATIC)
  message(STATUS "HDF5: executables link ${SURGEON_HDF5_STATIC} (no libcurl at start-up)")
  # $<TARGET_PROPERTY:TYPE> is the type of the target being linked.
  target_link_libraries(surgeon_hdf5 INTERFACE
    "$<IF:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>,${SURGEON_HDF5_STATIC};${_hdf5_static_deps},${HDF5_LIBRARIES}>")
else()
  message(STATUS "HDF5: ${HDF5_LIBRARIES}")
  target_link_libraries(surgeon_hdf5 INTERFACE ${HDF5_LIBRARIES})
endif()
