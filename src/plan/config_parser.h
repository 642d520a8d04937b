// ConfigParser: the YAML walker behind LoadConfig (private to plan/).
// config.cc parses the core keys; config_transforms.cc the value transforms
// (reshape, classes, input_channels). Every method reports errors as
// "<file>:<line>:<col>: <key path>: <what>" at the offending node; yaml-cpp
// exceptions are caught by ParseConfig and never leave plan/.
#ifndef SURGEON_PLAN_CONFIG_PARSER_H_
#define SURGEON_PLAN_CONFIG_PARSER_H_

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "plan/suggest.h"
#include "surgeon/base/file.h"
#include "surgeon/format/checkpoint_path.h"
#include "surgeon/plan/config.h"
#include "surgeon/plan/config_reference.h"

namespace surgeon::config_internal {

namespace fs = std::filesystem;

inline std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// Walks the YAML tree. Every method reports errors as
// "<file>:<line>:<col>: <key path>: <what>" at the offending node.
class ConfigParser {
 public:
  ConfigParser(std::string file, std::string base_dir) : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  Status Parse(const YAML::Node& root, PlanConfig* config);

 private:
  ConfigPos Pos(const YAML::Node& node) const {
    ConfigPos pos{file_, 0, 0};
    YAML::Mark m = node.Mark();
    if (m.line >= 0) {
      pos.line = m.line + 1;
      pos.column = m.column + 1;
    }
    return pos;
  }
  Status Error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    return Status::InvalidArgument(Pos(node).ToString() + ": " + path + ": " + what);
  }
  static std::string Describe(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Map: return "a map";
      default: return "nothing";
    }
  }

  // Calls `handle(key, value, path)` for each entry of a map after checking
  // that it is a map, that each key is known and that none repeats.
  using Handler = std::function<Status(const std::string& key, const YAML::Node& value, const std::string& path)>;
  // What to say about a key not in `allowed` (default: "unknown key" with a
  // "did you mean" or the list of allowed keys).
  using UnknownKey = std::function<std::string(const std::string& key)>;
  Status ForEachKey(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed,
                    const Handler& handle, const UnknownKey& unknown = nullptr) const {
    if (!map.IsMap()) return Error(map, path.empty() ? "config" : path, "expected a map, got " + Describe(map));
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // *it is a temporary pair: keep it alive (binding it->first to a
      // reference dangles; ASan: stack-use-after-scope).
      const auto kv = *it;
      const YAML::Node& k = kv.first;
      std::string key = k.IsScalar() ? k.Scalar() : "?";
      std::string key_path = path.empty() ? key : path + "." + key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Error(k, key_path, unknown ? unknown(key) : UnknownKeyWhat(key, allowed));
      }
      if (!seen.insert(key).second) return Error(k, key_path, "key appears twice");
      SURGEON_RETURN_IF_ERROR(handle(key, kv.second, key_path));
    }
    return Status::OK();
  }

  static std::string UnknownKeyWhat(const std::string& key, const std::vector<std::string>& allowed) {
    if (auto near = ClosestMatch(key, allowed)) return "unknown key; did you mean '" + *near + "'?";
    return "unknown key (expected one of: " + Join(allowed, ", ") + ")";
  }

  Status RequireKeys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& required) const {
    for (const std::string& key : required) {
      bool found = false;
      for (auto it = map.begin(); it != map.end(); ++it) found |= it->first.IsScalar() && it->first.Scalar() == key;
      if (!found) return Error(map, path.empty() ? key : path + "." + key, "required key is missing");
    }
    return Status::OK();
  }

  Result<std::string> String(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar() || node.Scalar().empty()) {
      return Error(node, path, "expected a non-empty string, got " + Describe(node));
    }
    return node.Scalar();
  }
  Result<bool> Bool(const YAML::Node& node, const std::string& path) const {
    bool b = false;
    if (node.IsScalar() && YAML::convert<bool>::decode(node, b)) return b;
    return Error(node, path, "expected true or false, got " + Describe(node));
  }
  Result<int64_t> Int(const YAML::Node& node, const std::string& path, std::string_view what) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      int64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size() && v >= 0) return v;
    }
    return Error(node, path, "expected " + std::string(what) + ", got " + Describe(node));
  }
  Result<double> Double(const YAML::Node& node, const std::string& path) const {
    double d = 0;
    if (node.IsScalar() && YAML::convert<double>::decode(node, d)) return d;
    return Error(node, path, "expected a number, got " + Describe(node));
  }
  Result<DataType> Dtype(const YAML::Node& node, const std::string& path) const {
    SURGEON_ASSIGN_OR_RETURN(std::string s, String(node, path));
    if (auto dt = ParseDataType(s)) return *dt;
    std::string what = "unknown dtype '" + s + "'";
    if (auto near = ClosestMatch(s, DataTypeShortNames())) what += "; did you mean '" + *near + "'?";
    return Error(node, path, what);
  }
  std::string ResolvePath(const std::string& p) const {
    return fs::path(JoinPath(base_dir_, p)).lexically_normal().string();
  }

  Result<PatternRule> PatternAt(const YAML::Node& node, const std::string& path) const {
    SURGEON_ASSIGN_OR_RETURN(std::string text, String(node, path));
    auto pattern = Pattern::Parse(text);
    if (!pattern.ok()) return Error(node, path, pattern.status().message());
    return PatternRule{*pattern, path, Pos(node)};
  }
  // A list of patterns; a single string is accepted as a list of one.
  Result<std::vector<PatternRule>> PatternList(const YAML::Node& node, const std::string& path) const {
    std::vector<PatternRule> out;
    if (node.IsScalar()) {
      SURGEON_ASSIGN_OR_RETURN(PatternRule r, PatternAt(node, path + "[0]"));
      out.push_back(std::move(r));
      return out;
    }
    if (!node.IsSequence()) return Error(node, path, "expected a list of patterns, got " + Describe(node));
    for (size_t i = 0; i < node.size(); ++i) {
      SURGEON_ASSIGN_OR_RETURN(PatternRule r, PatternAt(node[i], path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(r));
    }
    return out;
  }

  // A target prefix must name files, not a directory (TargetPrefixProblem).
  Status TargetPrefixAt(const YAML::Node& node, const std::string& path, const std::string& prefix) const {
    std::string problem = TargetPrefixProblem(prefix);
    return problem.empty() ? Status::OK() : Error(node, path, problem);
  }

  Status ParseSeed(const YAML::Node& node, const std::string& path, PlanConfig* c) const;
  Status ParseGlobalStep(const YAML::Node& node, const std::string& path, PlanConfig* c) const;
  Status ParseSource(const YAML::Node& node, const std::string& path, PlanConfig* c) const;
  Status ParseTarget(const YAML::Node& node, const std::string& path, PlanConfig* c) const;
  Status CheckTargetFormat(const YAML::Node& node, const std::string& path, std::optional<OutputFormat> format,
                           std::optional<YAML::Node> meta_node, PlanConfig* c) const;
  Result<RenameRule> ParseRename(const YAML::Node& node, const std::string& path) const;
  Result<NewVariableConfig> ParseNew(const YAML::Node& node, const std::string& path) const;
  Result<InitializerSpec> ParseInitializer(const YAML::Node& node, const std::string& path) const;
  Result<CastRule> ParseCast(const YAML::Node& node, const std::string& path) const;
  Result<PlanExpectations> ParseExpect(const YAML::Node& node, const std::string& path) const;
  Result<AlsoFromSource> ParseAlsoFrom(const YAML::Node& node, const std::string& path) const;
  // config_transforms.cc
  Result<ReshapeRule> ParseReshape(const YAML::Node& node, const std::string& path) const;
  Result<ClassRule> ParseClasses(const YAML::Node& node, const std::string& path) const;
  Result<ChannelMapRule> ParseChannelMap(const YAML::Node& node, const std::string& path) const;
  Result<ChannelSpec> ParseChannel(const YAML::Node& node, const std::string& path) const;
  Result<LabelList> ParseLabelFile(const YAML::Node& node, const std::string& path) const;
  Result<int> SignedAxis(const YAML::Node& node, const std::string& path) const;
  Result<std::vector<int64_t>> IntList(const YAML::Node& node, const std::string& path, std::string_view what) const;

  template <typename T, typename F>
  Result<std::vector<T>> List(const YAML::Node& node, const std::string& path, std::string_view what, F parse) const {
    if (!node.IsSequence())
      return Error(node, path, "expected a list of " + std::string(what) + ", got " + Describe(node));
    std::vector<T> out;
    for (size_t i = 0; i < node.size(); ++i) {
      SURGEON_ASSIGN_OR_RETURN(T item, (this->*parse)(node[i], path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(item));
    }
    return out;
  }

  std::string file_;
  std::string base_dir_;
};

}  // namespace surgeon::config_internal

#endif  // SURGEON_PLAN_CONFIG_PARSER_H_
