// Placeholder entry point; replaced by the command set in cli/.
#include <cstdio>
int main() { std::puts("surgeon"); return 0; }
