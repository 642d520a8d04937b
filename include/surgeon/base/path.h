// Path helpers over the local filesystem.
#ifndef SURGEON_BASE_PATH_H_
#define SURGEON_BASE_PATH_H_

#include <string>
#include <string_view>

#include "surgeon/base/status.h"

namespace surgeon {

bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);
std::string JoinPath(std::string_view dir, std::string_view name);
std::string Dirname(std::string_view path);  // "" -> ".", "a" -> ".", "a/b" -> "a"
std::string Basename(std::string_view path);
// Absolute, symlink-free path of an existing file, or the lexically normalized
// absolute path when it does not exist yet (its parent resolved if it exists).
std::string CanonicalPath(const std::string& path);
Status CreateDirectories(const std::string& dir);

}  // namespace surgeon

#endif  // SURGEON_BASE_PATH_H_
