// The test binaries' main(), for Catch2 2.x (Debian 12) and 3.x (Debian 13).
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER  // 2.x compiles its implementation into this file
#include <catch2/catch.hpp>
#endif

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
