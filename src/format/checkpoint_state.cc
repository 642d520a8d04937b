#include "surgeon/format/checkpoint_state.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace surgeon {
namespace {

// A tiny tokenizer for the subset of protobuf text format a CheckpointState
// uses: `name: value` pairs, strings, numbers, comments.
class Lexer {
 public:
  Lexer(std::string_view text, std::string_view filename) : text_(text), filename_(filename) {}

  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') pos_++;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        if (c == '\n') line_++;
        pos_++;
      } else {
        break;
      }
    }
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument(std::string(filename_) + ":" + std::to_string(line_) + ": " + what);
  }
  Result<std::string> Identifier() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) pos_++;
    if (start == pos_) return Error("expected a field name");
    return std::string(text_.substr(start, pos_ - start));
  }
  Status Expect(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return Error(std::string("expected '") + c + "'");
    pos_++;
    return Status::OK();
  }
  Result<std::string> String() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) return Error("expected a quoted string");
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\n') return Error("unterminated string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Error("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '\\': out.push_back('\\'); break;
        case '"': out.push_back('"'); break;
        case '\'': out.push_back('\''); break;
        case 'x': {
          int v = 0, n = 0;
          while (n < 2 && pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
            v = v * 16 + std::stoi(std::string(1, text_[pos_++]), nullptr, 16);
            n++;
          }
          if (n == 0) return Error("bad \\x escape");
          out.push_back(static_cast<char>(v));
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int v = e - '0', n = 1;
            while (n < 3 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7') {
              v = v * 8 + (text_[pos_++] - '0');
              n++;
            }
            out.push_back(static_cast<char>(v));
          } else {
            return Error(std::string("unknown escape \\") + e);
          }
      }
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    pos_++;
    return out;
  }
  Result<double> Number() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) && text_[pos_] != '#') pos_++;
    std::string tok(text_.substr(start, pos_ - start));
    std::string lower;
    for (char c : tok) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == "inf" || lower == "infinity") return HUGE_VAL;
    if (lower == "-inf" || lower == "-infinity") return -HUGE_VAL;
    if (lower == "nan") return std::nan("");
    char* end = nullptr;
    double v = std::strtod(tok.c_str(), &end);
    if (tok.empty() || end != tok.c_str() + tok.size()) return Error("expected a number, got '" + tok + "'");
    return v;
  }

 private:
  std::string_view text_;
  std::string_view filename_;
  size_t pos_ = 0;
  int line_ = 1;
};

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Result<CheckpointState> ParseCheckpointState(std::string_view text, std::string_view filename) {
  Lexer lex(text, filename);
  CheckpointState state;
  while (!lex.AtEnd()) {
    SURGEON_ASSIGN_OR_RETURN(std::string field, lex.Identifier());
    SURGEON_RETURN_IF_ERROR(lex.Expect(':'));
    if (field == "model_checkpoint_path") {
      SURGEON_ASSIGN_OR_RETURN(state.model_checkpoint_path, lex.String());
    } else if (field == "all_model_checkpoint_paths") {
      SURGEON_ASSIGN_OR_RETURN(std::string p, lex.String());
      state.all_model_checkpoint_paths.push_back(std::move(p));
    } else if (field == "all_model_checkpoint_timestamps") {
      SURGEON_ASSIGN_OR_RETURN(double t, lex.Number());
      state.all_model_checkpoint_timestamps.push_back(t);
    } else if (field == "last_preserved_timestamp") {
      SURGEON_ASSIGN_OR_RETURN(state.last_preserved_timestamp, lex.Number());
      state.has_last_preserved_timestamp = true;
    } else {
      return lex.Error("unknown field '" + field + "' in checkpoint state");
    }
  }
  if (state.model_checkpoint_path.empty()) {
    return Status::InvalidArgument(std::string(filename) + ": invalid checkpoint state: model_checkpoint_path is missing or empty");
  }
  return state;
}

std::string SerializeCheckpointState(const CheckpointState& state) {
  std::string out = "model_checkpoint_path: " + Quote(state.model_checkpoint_path) + "\n";
  for (const auto& p : state.all_model_checkpoint_paths) out += "all_model_checkpoint_paths: " + Quote(p) + "\n";
  for (double t : state.all_model_checkpoint_timestamps) out += "all_model_checkpoint_timestamps: " + FormatDouble(t) + "\n";
  if (state.has_last_preserved_timestamp) out += "last_preserved_timestamp: " + FormatDouble(state.last_preserved_timestamp) + "\n";
  return out;
}

}  // namespace surgeon
