#include "surgeon/format/v1_shard_name.h"

#include <cstdio>
#include <regex>

#include "surgeon/base/file.h"

namespace surgeon {

std::string V1ShardedName::Pattern() const {
  return base +
         "-?????"
         "-of-" +
         num_shards_text;  // Split: "??-" would be a trigraph.
}

std::string V1ShardedName::ShardFilename(int64_t k) const { return V1ShardFilenamePrefix(base, k) + num_shards_text; }

std::string V1ShardFilenamePrefix(std::string_view base, int64_t k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05lld-of-", static_cast<long long>(k));
  return std::string(base) + buf;
}

std::optional<V1ShardedName> ParseV1ShardedName(std::string_view path) {
  static const std::regex kSharded("^(.+)-(\\?{5}|\\d{5,})-of-(\\d{5,})$");
  std::cmatch m;
  if (!std::regex_match(path.data(), path.data() + path.size(), m, kSharded)) return std::nullopt;
  const std::string n_text = m[3].str(), k_text = m[2].str();
  // Names past int range are not TF's (the shard count is an int).
  if (n_text.size() > 9 || k_text.size() > 9) return std::nullopt;
  const int64_t n = std::stoll(n_text);  // At most 9 digits: cannot throw.
  if (n < 1) return std::nullopt;
  if (k_text[0] != '?' && std::stoll(k_text) >= n) return std::nullopt;
  return V1ShardedName{m[1].str(), n_text, n};
}

std::string V1ShardPattern(const std::string& path) {
  const auto s = ParseV1ShardedName(path);
  return s ? s->Pattern() : "";
}

Result<std::vector<std::string>> V1CheckpointFiles(const std::string& path) {
  const auto s = ParseV1ShardedName(path);
  if (!s) return std::vector<std::string>{path};
  std::vector<std::string> files;
  for (int64_t k = 0; k < s->num_shards; ++k) {
    std::string f = s->ShardFilename(k);
    if (!FileExists(f)) {
      return Status::NotFound(path + ": sharded V1 checkpoint of " + std::to_string(s->num_shards) +
                              " files is missing shard file " + f);
    }
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace surgeon
