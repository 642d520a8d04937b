// LoadConfig: YAML -> PlanConfig. The only place yaml-cpp is used; its
// exceptions are caught here and become InvalidArgument with file:line:col.
#include "surgeon/plan/config.h"

#include <map>

#include "plan/config_parser.h"
#include "surgeon/base/byte_size.h"

namespace surgeon {

std::string ConfigPos::ToString() const {
  std::string f = file.empty() ? "<config>" : file;
  if (line <= 0) return f;
  return f + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string_view GlobalStepModeName(GlobalStepMode mode) {
  switch (mode) {
    case GlobalStepMode::kDefault: return "default";
    case GlobalStepMode::kKeep: return "keep";
    case GlobalStepMode::kDrop: return "drop";
    case GlobalStepMode::kReset: return "reset";
  }
  return "?";
}

std::string_view MetaGraphModeName(MetaGraphMode mode) {
  switch (mode) {
    case MetaGraphMode::kNone: return "none";
    case MetaGraphMode::kFresh: return "fresh";
    case MetaGraphMode::kFromSource: return "from_source";
  }
  return "?";
}

std::string AlsoFromSource::Label() const { return name.empty() ? key_path : key_path + " '" + name + "'"; }

namespace config_internal {

Status ConfigParser::Parse(const YAML::Node& root, PlanConfig* c) {
  if (!root.IsMap()) {
    return Status::InvalidArgument(Pos(root).ToString() + ": expected a map with source, target, ..., got " +
                                   Describe(root));
  }
  SURGEON_RETURN_IF_ERROR(RequireKeys(root, "", {"source", "target"}));
  static const std::vector<std::string> kTopKeys = ConfigKeysIn("");
  return ForEachKey(
      root, "", kTopKeys, [&](const std::string& key, const YAML::Node& v, const std::string& path) -> Status {
        if (key == "source") return ParseSource(v, path, c);
        if (key == "target") return ParseTarget(v, path, c);
        if (key == "seed") return ParseSeed(v, path, c);
        if (key == "keep") {
          c->keep_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(c->keep, PatternList(v, path));
          return Status::OK();
        }
        if (key == "drop") {
          SURGEON_ASSIGN_OR_RETURN(c->drop, PatternList(v, path));
          return Status::OK();
        }
        if (key == "freeze") {
          SURGEON_ASSIGN_OR_RETURN(c->freeze, PatternList(v, path));
          return Status::OK();
        }
        if (key == "allow_shape_change") {
          SURGEON_ASSIGN_OR_RETURN(c->allow_shape_change, PatternList(v, path));
          return Status::OK();
        }
        if (key == "drop_optimizer_slots") {
          c->drop_optimizer_slots_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(c->drop_optimizer_slots, Bool(v, path));
          return Status::OK();
        }
        if (key == "global_step") return ParseGlobalStep(v, path, c);
        if (key == "rename") {
          SURGEON_ASSIGN_OR_RETURN(c->rename, List<RenameRule>(v, path, "rename rules", &ConfigParser::ParseRename));
          return Status::OK();
        }
        if (key == "new") {
          SURGEON_ASSIGN_OR_RETURN(c->new_variables,
                                   List<NewVariableConfig>(v, path, "new variables", &ConfigParser::ParseNew));
          return Status::OK();
        }
        if (key == "cast") {
          SURGEON_ASSIGN_OR_RETURN(c->cast, List<CastRule>(v, path, "cast rules", &ConfigParser::ParseCast));
          return Status::OK();
        }
        if (key == "reshape") {
          SURGEON_ASSIGN_OR_RETURN(c->reshape,
                                   List<ReshapeRule>(v, path, "reshape rules", &ConfigParser::ParseReshape));
          return Status::OK();
        }
        if (key == "classes") {
          SURGEON_ASSIGN_OR_RETURN(c->classes, List<ClassRule>(v, path, "class rules", &ConfigParser::ParseClasses));
          return Status::OK();
        }
        if (key == "input_channels") {
          SURGEON_ASSIGN_OR_RETURN(c->input_channels,
                                   List<ChannelMapRule>(v, path, "channel maps", &ConfigParser::ParseChannelMap));
          return Status::OK();
        }
        if (key == "expect") {
          SURGEON_ASSIGN_OR_RETURN(c->expect, ParseExpect(v, path));
          return Status::OK();
        }
        if (key == "also_from") {
          SURGEON_ASSIGN_OR_RETURN(c->also_from,
                                   List<AlsoFromSource>(v, path, "sources", &ConfigParser::ParseAlsoFrom));
          return Status::OK();
        }
        return Status::Internal("unhandled config key " + key);
      });
}

Status ConfigParser::ParseSeed(const YAML::Node& node, const std::string& path, PlanConfig* c) const {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    uint64_t seed = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seed);
    if (ec == std::errc() && end == s.data() + s.size()) {
      c->seed = seed;
      c->has_seed = true;
      return Status::OK();
    }
  }
  return Error(node, path, "expected a non-negative integer below 2^64, got " + Describe(node));
}

Status ConfigParser::ParseGlobalStep(const YAML::Node& node, const std::string& path, PlanConfig* c) const {
  c->global_step_pos = Pos(node);
  const std::string s = node.IsScalar() ? node.Scalar() : "";
  if (s == "keep") {
    c->global_step = GlobalStepMode::kKeep;
  } else if (s == "drop") {
    c->global_step = GlobalStepMode::kDrop;
  } else if (s == "reset") {
    c->global_step = GlobalStepMode::kReset;
  } else {
    return Error(node, path, "expected keep, drop or reset, got " + Describe(node));
  }
  return Status::OK();
}

Status ConfigParser::ParseSource(const YAML::Node& node, const std::string& path, PlanConfig* c) const {
  c->source_pos = Pos(node);
  if (node.IsScalar()) {  // `source: path/to/ckpt` shorthand.
    SURGEON_ASSIGN_OR_RETURN(std::string p, String(node, path));
    c->source_checkpoint = ResolvePath(p);
    return Status::OK();
  }
  SURGEON_RETURN_IF_ERROR(ForEachKey(node, path, ConfigKeysIn("source"),
                                     [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                                       SURGEON_ASSIGN_OR_RETURN(std::string p, String(v, kp));
                                       if (key == "checkpoint")
                                         c->source_checkpoint = ResolvePath(p);
                                       else
                                         c->source_meta_graph = ResolvePath(p);
                                       return Status::OK();
                                     }));
  return RequireKeys(node, path, {"checkpoint"});
}

Status ConfigParser::ParseTarget(const YAML::Node& node, const std::string& path, PlanConfig* c) const {
  c->target_pos = Pos(node);
  if (node.IsScalar()) {
    SURGEON_ASSIGN_OR_RETURN(std::string p, String(node, path));
    SURGEON_RETURN_IF_ERROR(TargetPrefixAt(node, path, p));
    c->target_checkpoint = ResolvePath(p);
    return CheckTargetFormat(node, path, std::nullopt, std::nullopt, c);
  }
  std::optional<OutputFormat> format;
  std::optional<YAML::Node> meta_node, shard_node;
  SURGEON_RETURN_IF_ERROR(ForEachKey(
      node, path, ConfigKeysIn("target"),
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "checkpoint") {
          SURGEON_ASSIGN_OR_RETURN(std::string p, String(v, kp));
          SURGEON_RETURN_IF_ERROR(TargetPrefixAt(v, kp, p));
          c->target_checkpoint = ResolvePath(p);
          return Status::OK();
        }
        if (key == "format") {
          SURGEON_ASSIGN_OR_RETURN(std::string f, String(v, kp));
          format = ParseOutputFormat(f);
          if (!format) return Error(v, kp, "expected one of " + OutputFormatChoices() + ", got '" + f + "'");
          return Status::OK();
        }
        if (key == "max_shard_bytes") {
          const std::optional<uint64_t> size = v.IsScalar() ? ParseByteSize(v.Scalar()) : std::nullopt;
          if (!size || *size == 0) {
            return Error(v, kp, "expected " + ByteSizeExpectation() + ", got " + Describe(v));
          }
          c->target_max_shard_bytes = *size;
          shard_node = v;
          return Status::OK();
        }
        meta_node = v;
        if (v.IsMap()) {
          SURGEON_RETURN_IF_ERROR(ForEachKey(
              v, kp, {"from"}, [&](const std::string&, const YAML::Node& f, const std::string& fp) -> Status {
                if (!f.IsScalar() || f.Scalar() != "source")
                  return Error(f, fp, "expected 'source', got " + Describe(f));
                return Status::OK();
              }));
          SURGEON_RETURN_IF_ERROR(RequireKeys(v, kp, {"from"}));
          c->target_meta_graph = MetaGraphMode::kFromSource;
          return Status::OK();
        }
        bool b = false;
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
          return Error(v, kp, "expected true, false or {from: source}, got " + Describe(v));
        }
        c->target_meta_graph = b ? MetaGraphMode::kFresh : MetaGraphMode::kNone;
        return Status::OK();
      }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"checkpoint"}));
  SURGEON_RETURN_IF_ERROR(CheckTargetFormat(node, path, format, meta_node, c));
  if (shard_node && c->target_format != OutputFormat::kTfCheckpoint) {
    return Error(*shard_node, path + ".max_shard_bytes",
                 "a " + std::string(OutputFormatName(c->target_format)) +
                     " target is one file; max_shard_bytes applies to tf_checkpoint targets");
  }
  return Status::OK();
}

// Sets target_format (given, or from the extension); a weight-file target
// has no graph: meta_graph must be absent or false.
Status ConfigParser::CheckTargetFormat(const YAML::Node& node, const std::string& path,
                                       std::optional<OutputFormat> format, std::optional<YAML::Node> meta_node,
                                       PlanConfig* c) const {
  c->target_format = format.value_or(OutputFormatForPath(c->target_checkpoint));
  if (c->target_format == OutputFormat::kTfCheckpoint) return Status::OK();
  if (meta_node && c->target_meta_graph != MetaGraphMode::kNone) {
    return Error(*meta_node, path + ".meta_graph",
                 "a " + std::string(OutputFormatName(c->target_format)) +
                     " target holds only weights, no graph; remove meta_graph or set it to false");
  }
  c->target_meta_graph = MetaGraphMode::kNone;
  return Status::OK();
}

Result<RenameRule> ConfigParser::ParseRename(const YAML::Node& node, const std::string& path) const {
  RenameRule r;
  r.key_path = path;
  r.pos = Pos(node);
  int kinds = 0;
  bool has_to = false;
  SURGEON_RETURN_IF_ERROR(ForEachKey(node, path, ConfigKeysIn("rename[]"),
                                     [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                                       if (!v.IsScalar()) return Error(v, kp, "expected a string, got " + Describe(v));
                                       const std::string& s = v.Scalar();
                                       if (key == "to") {
                                         has_to = true;
                                         r.to = s;
                                         return Status::OK();
                                       }
                                       ++kinds;
                                       if (s.empty() && key == "scope")
                                         return Error(v, kp,
                                                      "expected a scope, got ''; the root scope is written \"/\"");
                                       if (s.empty()) return Error(v, kp, "expected a non-empty string, got ''");
                                       r.from = s;
                                       if (key == "from") {
                                         r.kind = RenameRule::Kind::kPrefix;
                                       } else if (key == "regex") {
                                         r.kind = RenameRule::Kind::kRegex;
                                         auto re = CompileRegex(s);
                                         if (!re.ok()) return Error(v, kp, re.status().message());
                                         r.regex = std::move(re).value();
                                       } else {
                                         r.kind = RenameRule::Kind::kScope;
                                       }
                                       return Status::OK();
                                     }));
  if (kinds != 1) return Error(node, path, "expected exactly one of from, regex or scope");
  if (!has_to) return Error(node, path + ".to", "required key is missing");
  if (r.kind == RenameRule::Kind::kScope) {
    // "/" is the root scope; a trailing '/' is optional.
    auto strip = [](std::string s) {
      while (!s.empty() && s.back() == '/') s.pop_back();
      return s;
    };
    r.from = strip(r.from);
    r.to = strip(r.to);
  }
  return r;
}

Result<InitializerSpec> ConfigParser::ParseInitializer(const YAML::Node& node, const std::string& path) const {
  InitializerSpec spec;
  const YAML::Node* type_node = &node;
  YAML::Node type_value;
  if (node.IsMap()) {
    // `{glorot_uniform: {}}` / `{truncated_normal: {stddev: 0.01}}`: the name
    // written as a key, Keras-config style. Say the spelling surgeon takes.
    if (!node["type"] && node.size() == 1 && node.begin()->first.IsScalar() &&
        ParseInitializerKind(node.begin()->first.Scalar())) {
      const std::string name = node.begin()->first.Scalar();
      return Error(node, path,
                   "initializer name '" + name + "' written as a key; write {type: " + name +
                       ", ...} with its parameters beside 'type', or just " + name);
    }
    SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"type"}));
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "type") type_value = it->second;
    }
    type_node = &type_value;
  } else if (!node.IsScalar()) {
    return Error(node, path, "expected an initializer name or a map with 'type', got " + Describe(node));
  }
  std::string type_path = node.IsMap() ? path + ".type" : path;
  SURGEON_ASSIGN_OR_RETURN(std::string type, String(*type_node, type_path));
  auto kind = ParseInitializerKind(type);
  if (!kind) {
    std::string what = "unknown initializer '" + type + "'";
    if (auto near = ClosestMatch(type, InitializerKindNames()))
      what += "; did you mean '" + *near + "'?";
    else
      what += " (expected one of: " + Join(InitializerKindNames(), ", ") + ")";
    return Error(*type_node, type_path, what);
  }
  spec.kind = *kind;
  if (!node.IsMap()) return spec;

  std::vector<std::string> allowed = {"type"};
  for (const std::string& p : InitializerParams(*kind)) allowed.push_back(p);
  // A parameter of a different initializer is the usual mistake (stddev on
  // zeros): say which parameters this one does take.
  const std::vector<std::string>& params = InitializerParams(*kind);
  auto not_a_parameter = [&](const std::string&) {
    return "not a parameter of " + type + " (its parameters: " + (params.empty() ? "none" : Join(params, ", ")) + ")";
  };
  Status st = ForEachKey(
      node, path, allowed,
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "type") return Status::OK();
        if (IsTextInitializerParam(key)) {
          SURGEON_ASSIGN_OR_RETURN(std::string s, String(v, kp));
          SetInitializerParam(&spec, key, s);
        } else {
          SURGEON_ASSIGN_OR_RETURN(double d, Double(v, kp));
          SetInitializerParam(&spec, key, d);
        }
        return Status::OK();
      },
      not_a_parameter);
  SURGEON_RETURN_IF_ERROR(st);
  return spec;
}

Result<NewVariableConfig> ConfigParser::ParseNew(const YAML::Node& node, const std::string& path) const {
  NewVariableConfig n;
  n.key_path = path;
  n.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(ForEachKey(
      node, path, ConfigKeysIn("new[]"),
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "name") {
          SURGEON_ASSIGN_OR_RETURN(n.name, String(v, kp));
        } else if (key == "shape") {
          n.shape_pos = Pos(v);
          if (!v.IsSequence()) return Error(v, kp, "expected a list of integers, got " + Describe(v));
          if (v.size() > static_cast<size_t>(kMaxRank)) {
            return Error(
                v, kp, std::to_string(v.size()) + " dimensions; TensorFlow allows at most " + std::to_string(kMaxRank));
          }
          for (size_t i = 0; i < v.size(); ++i) {
            SURGEON_ASSIGN_OR_RETURN(int64_t d,
                                     Int(v[i], kp + "[" + std::to_string(i) + "]", "a non-negative integer"));
            n.shape.push_back(d);
          }
        } else if (key == "dtype") {
          SURGEON_ASSIGN_OR_RETURN(n.dtype, Dtype(v, kp));
        } else if (key == "initializer") {
          n.initializer_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(n.initializer, ParseInitializer(v, kp));
        } else if (key == "feeds_from") {
          n.feeds_from_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(n.feeds_from, String(v, kp));
        } else if (key == "trainable") {
          SURGEON_ASSIGN_OR_RETURN(n.trainable, Bool(v, kp));
        }
        return Status::OK();
      }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"name", "shape", "initializer"}));
  return n;
}

Result<CastRule> ConfigParser::ParseCast(const YAML::Node& node, const std::string& path) const {
  CastRule r;
  r.key_path = path;
  r.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(ForEachKey(
      node, path, ConfigKeysIn("cast[]"),
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "match") {
          SURGEON_ASSIGN_OR_RETURN(PatternRule p, PatternAt(v, kp));
          r.match = p.pattern;
          return Status::OK();
        }
        SURGEON_ASSIGN_OR_RETURN(r.to, Dtype(v, kp));
        if (!IsFloatingPoint(r.to)) {
          return Error(v, kp, "casts are only among float16, bfloat16, float32 and float64, got '" + v.Scalar() + "'");
        }
        return Status::OK();
      }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"match", "to"}));
  return r;
}

Result<AlsoFromSource> ConfigParser::ParseAlsoFrom(const YAML::Node& node, const std::string& path) const {
  AlsoFromSource a;
  a.key_path = path;
  a.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(ForEachKey(
      node, path, ConfigKeysIn("also_from[]"),
      [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
        if (key == "name") {
          SURGEON_ASSIGN_OR_RETURN(a.name, String(v, kp));
        } else if (key == "checkpoint") {
          SURGEON_ASSIGN_OR_RETURN(std::string p, String(v, kp));
          a.checkpoint = ResolvePath(p);
        } else if (key == "take") {
          a.take_pos = Pos(v);
          SURGEON_ASSIGN_OR_RETURN(a.take, PatternList(v, kp));
          if (a.take.empty())
            return Error(v, kp, "expected at least one pattern: an also_from source contributes only what it takes");
        } else {
          SURGEON_ASSIGN_OR_RETURN(a.rename, List<RenameRule>(v, kp, "rename rules", &ConfigParser::ParseRename));
        }
        return Status::OK();
      }));
  SURGEON_RETURN_IF_ERROR(RequireKeys(node, path, {"checkpoint", "take"}));
  return a;
}

Result<PlanExpectations> ConfigParser::ParseExpect(const YAML::Node& node, const std::string& path) const {
  PlanExpectations e;
  e.pos = Pos(node);
  SURGEON_RETURN_IF_ERROR(
      ForEachKey(node, path, ConfigKeysIn("expect"),
                 [&](const std::string& key, const YAML::Node& v, const std::string& kp) -> Status {
                   if (key == "initialized") {
                     e.initialized_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(e.initialized, PatternList(v, kp));
                   } else if (key == "dropped") {
                     e.dropped_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(e.dropped, PatternList(v, kp));
                   } else if (key == "min_copied_params") {
                     e.min_copied_params_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(int64_t n, Int(v, kp, "a non-negative integer (tensor elements)"));
                     e.min_copied_params = static_cast<uint64_t>(n);
                   } else {
                     e.min_copied_fraction_pos = Pos(v);
                     SURGEON_ASSIGN_OR_RETURN(double f, Double(v, kp));
                     if (!(f >= 0 && f <= 1))
                       return Error(v, kp, "expected a fraction between 0 and 1, got " + Describe(v));
                     e.min_copied_fraction = f;
                   }
                   return Status::OK();
                 }));
  return e;
}

}  // namespace config_internal

namespace {

using config_internal::ConfigParser;

// yaml-cpp notices an unclosed flow ('{' or '[') only at the next token,
// often a line or more later. Find the opener that is still open at
// `offset`, skipping quoted scalars and comments, so the message can point
// at the line where the flow started. nullopt when there is none.
std::optional<std::pair<int, int>> UnclosedFlowOpener(std::string_view text, size_t offset, char opener) {
  std::vector<std::pair<char, size_t>> open;  // bracket, offset
  char quote = 0;
  for (size_t i = 0; i < std::min(offset, text.size()); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if ((c == '"' || c == '\'') &&
               (i == 0 || std::string_view(" [{,:\n").find(text[i - 1]) != std::string_view::npos)) {
      quote = c;
    } else if (c == '{' || c == '[') {
      open.emplace_back(c, i);
    } else if ((c == '}' || c == ']') && !open.empty()) {
      open.pop_back();
    }
  }
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (it->first != opener) continue;
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + it->second, '\n'));
    size_t line_start = text.rfind('\n', it->second);
    int column = static_cast<int>(it->second - (line_start == std::string_view::npos ? 0 : line_start + 1)) + 1;
    return std::make_pair(line, column);
  }
  return std::nullopt;
}

Status YamlSyntaxError(std::string_view text, const std::string& display_name, const YAML::Exception& e) {
  ConfigPos pos{display_name, e.mark.line + 1, e.mark.column + 1};
  if (e.mark.is_null()) pos.line = 0;
  std::string what = e.msg;
  const bool map_flow = what == YAML::ErrorMsg::END_OF_MAP_FLOW, seq_flow = what == YAML::ErrorMsg::END_OF_SEQ_FLOW;
  if ((map_flow || seq_flow) && !e.mark.is_null()) {
    const char opener = map_flow ? '{' : '[';
    if (auto start = UnclosedFlowOpener(text, static_cast<size_t>(e.mark.pos), opener)) {
      const int noticed = pos.line;
      pos.line = start->first;
      pos.column = start->second;
      what = std::string("this '") + opener + "' is never closed: missing '" + (map_flow ? "}" : "]") +
             "' (the parser noticed at line " + std::to_string(noticed) + ")";
    }
  }
  return Status::InvalidArgument(pos.ToString() + ": invalid YAML: " + what);
}

// A checkpoint file given where a config belongs (`surgeon plan model.ckpt.index`).
std::optional<std::string> NotAConfig(std::string_view text, const std::string& path) {
  static const char kMagic[] = "\x57\xfb\x80\x8b\x24\x75\x47\xdb";  // kTableMagicNumber, little-endian
  const bool table = text.size() >= 8 && text.substr(text.size() - 8) == std::string_view(kMagic, 8);
  const std::string base = Basename(path);
  const bool named = base.ends_with(".index") || base.ends_with(".meta") || base.find(".data-") != std::string::npos ||
                     base == "saved_model.pb";
  if (!table && !named) {
    if (text.find('\0') == std::string_view::npos) return std::nullopt;
    return path + ": this is a binary file, not a YAML surgery config";
  }
  return path + ": this is a checkpoint file, not a surgery config; `surgeon inspect " + path +
         "` lists its tensors, and a config names it as source.checkpoint";
}

}  // namespace

Result<PlanConfig> ParseConfig(std::string_view yaml_text, const std::string& display_name,
                               const std::string& base_dir) {
  PlanConfig config;
  config.path = display_name;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return YamlSyntaxError(yaml_text, display_name, e);
  }
  try {
    ConfigParser parser(display_name, base_dir);
    SURGEON_RETURN_IF_ERROR(parser.Parse(root, &config));
  } catch (const YAML::Exception& e) {  // Defensive: conversions should not throw.
    return Status::InvalidArgument(display_name + ": " + e.what());
  }
  config.source_canonical = CanonicalPath(config.source_checkpoint);
  config.target_canonical = CanonicalPath(config.target_checkpoint);
  for (AlsoFromSource& a : config.also_from) a.canonical = CanonicalPath(a.checkpoint);
  return config;
}

Result<PlanConfig> LoadConfig(const std::string& yaml_path) {
  auto text = ReadFileToString(yaml_path);
  if (!text.ok()) {
    std::string msg = text.status().message();
    if (msg.find(yaml_path) == std::string::npos) msg = yaml_path + ": " + msg;
    return Status(text.status().code(), msg + " (reading the config)");
  }
  if (auto problem = NotAConfig(*text, yaml_path)) return Status::InvalidArgument(*problem);
  return ParseConfig(*text, yaml_path, Dirname(yaml_path));
}

}  // namespace surgeon
