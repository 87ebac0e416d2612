//===- Lexer.cpp - Jinja2 template source to tokens -----------------------===//
//
// Mirrors jinja2.lexer for the default delimiters. The rules that matter for exact output:
//  * Before lexing, every \r\n, \r and \n becomes \n and one trailing newline is dropped.
//  * `{%-`, `{{-`, `{#-` strip all (Unicode) whitespace before the tag; `-%}`, `-}}`, `-#}`
//    strip all whitespace after it.
//  * lstrip_blocks: before `{%` or `{#` (not `{{`), whitespace back to the start of the line is
//    dropped when the tag is the first non-blank thing on that line. jinja2 3.x tests this with
//    `\s+`, so any Unicode whitespace counts (NBSP too), not only spaces and tabs. `{%+` opts
//    out.
//  * trim_blocks: one "\n" right after `%}` or `#}` is dropped. `+%}` opts out.
//  * Inside a tag, an end delimiter only counts when brackets are balanced, so `{{ {'a': 1}}}`
//    closes at the last braces.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Lexer.h"

#include "runtime/chat/TemplateError.h"
#include "runtime/chat/Text.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace inferno::rt::chat {

namespace {

/// Newline-normalized source with position-to-line lookup.
class Source {
public:
  explicit Source(const std::string &raw) {
    text_.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\r') {
        if (i + 1 < raw.size() && raw[i + 1] == '\n')
          ++i;
        text_.push_back('\n');
      } else {
        text_.push_back(raw[i]);
      }
    }
    if (!text_.empty() && text_.back() == '\n')
      text_.pop_back(); // keep_trailing_newline=False
    for (size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n')
        newlines_.push_back(i);
  }
  const std::string &text() const { return text_; }
  int lineAt(size_t pos) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) -
                                newlines_.begin());
  }

private:
  std::string text_;
  std::vector<size_t> newlines_;
};

/// The code point at `pos` and its length in bytes (text is valid UTF-8).
char32_t codePointAt(const std::string &s, size_t pos, size_t &len) {
  unsigned char c = s[pos];
  len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
  return decodeUtf8(s.substr(pos, len))[0];
}

size_t skipPySpace(const std::string &s, size_t pos) {
  while (pos < s.size()) {
    size_t len;
    if (!isPySpace(codePointAt(s, pos, len)))
      break;
    pos += len;
  }
  return pos;
}

/// Python's str.rstrip() of text[begin, end): the new end.
size_t rstripPySpace(const std::string &s, size_t begin, size_t end) {
  std::u32string tail = decodeUtf8(s.substr(begin, end - begin));
  size_t keep = tail.size();
  while (keep > 0 && isPySpace(tail[keep - 1]))
    --keep;
  return begin + encodeUtf8(tail.substr(0, keep)).size();
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

/// `\d+(_\d+)*` starting at pos; returns the end (pos itself when no digits).
size_t scanDigits(const std::string &s, size_t pos) {
  if (pos >= s.size() || !isDigit(s[pos]))
    return pos;
  while (pos < s.size() && isDigit(s[pos]))
    ++pos;
  while (pos + 1 < s.size() && s[pos] == '_' && isDigit(s[pos + 1])) {
    ++pos;
    while (pos < s.size() && isDigit(s[pos]))
      ++pos;
  }
  return pos;
}

class Lexer {
public:
  explicit Lexer(const std::string &raw) : src_(raw), s_(src_.text()) {}

  std::vector<Token> run() {
    size_t pos = 0;
    // jinja2 treats the template start as a line start, and afterwards a tag whose match ended
    // in "\n" (a trimmed block end), for lstrip_blocks.
    bool lineStarting = true;
    while (pos < s_.size()) {
      size_t tag = findTagStart(pos);
      if (tag == std::string::npos) {
        emitData(pos, s_.size());
        break;
      }
      char type = s_[tag + 1]; // '{', '%' or '#'
      size_t after = tag + 2;
      char sign = 0;
      if (after < s_.size() && (s_[after] == '-' || s_[after] == '+'))
        sign = s_[after++];

      size_t textEnd = tag;
      if (sign == '-') {
        textEnd = rstripPySpace(s_, pos, tag);
      } else if (sign != '+' && type != '{') {
        // Only the text after its last newline can be stripped; if the text has no newline,
        // the tag starts a line only when the previous match ended one.
        size_t newline = tag > pos ? s_.rfind('\n', tag - 1) : std::string::npos;
        bool hasNewline = newline != std::string::npos && newline >= pos;
        size_t lineStart = hasNewline ? newline + 1 : pos;
        if ((hasNewline || lineStarting) && skipPySpace(s_, lineStart) == tag)
          textEnd = lineStart;
      }
      emitData(pos, textEnd);

      if (type == '#') {
        pos = skipComment(tag, after);
      } else {
        pos = lexTag(tag, after, type == '%');
      }
      lineStarting = pos > 0 && s_[pos - 1] == '\n';
    }
    tokens_.push_back({TokenKind::End, "", src_.lineAt(s_.size())});
    return std::move(tokens_);
  }

private:
  [[noreturn]] void error(size_t pos, const std::string &message) {
    throw TemplateError(src_.lineAt(pos), message);
  }

  size_t findTagStart(size_t pos) const {
    for (size_t i = s_.find('{', pos); i != std::string::npos; i = s_.find('{', i + 1))
      if (i + 1 < s_.size() && (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#'))
        return i;
    return std::string::npos;
  }

  void emitData(size_t begin, size_t end) {
    if (end > begin)
      tokens_.push_back({TokenKind::Data, s_.substr(begin, end - begin), src_.lineAt(begin)});
  }

  size_t skipComment(size_t tag, size_t pos) {
    // The first "#}" ends the comment; a "-" or "+" right before it is its modifier.
    size_t close = s_.find("#}", pos);
    if (close == std::string::npos)
      error(tag, "unclosed comment (missing '#}')");
    char modifier = close > pos ? s_[close - 1] : 0;
    size_t end = close + 2;
    if (modifier == '-')
      return skipPySpace(s_, end);
    if (modifier != '+' && end < s_.size() && s_[end] == '\n')
      ++end; // trim_blocks
    return end;
  }

  /// Lexes the inside of {{ }} or {% %} starting at `pos`; returns the position after the tag.
  size_t lexTag(size_t tag, size_t pos, bool block) {
    tokens_.push_back({block ? TokenKind::BlockBegin : TokenKind::VariableBegin,
                       block ? "{%" : "{{", src_.lineAt(tag)});
    std::vector<char> brackets;
    while (true) {
      if (pos >= s_.size())
        error(tag, std::string("unexpected end of template: missing '") + (block ? "%}" : "}}") +
                       "'");
      if (brackets.empty()) {
        if (size_t end = matchTagEnd(pos, block))
          return end;
      }
      size_t len;
      if (isPySpace(codePointAt(s_, pos, len))) {
        pos = skipPySpace(s_, pos);
        continue;
      }
      char c = s_[pos];
      int line = src_.lineAt(pos);
      if (isDigit(c)) {
        pos = lexNumber(pos);
      } else if (isNameStart(c)) {
        size_t end = pos;
        while (end < s_.size() && isNameChar(s_[end]))
          ++end;
        tokens_.push_back({TokenKind::Name, s_.substr(pos, end - pos), line});
        pos = end;
      } else if (c == '\'' || c == '"') {
        pos = lexString(pos);
      } else {
        static const char *const operators[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-",
                                                "/",  "*",  "%",  "~",  "[",  "]",  "(", ")",
                                                "{",  "}",  ">",  "<",  "=",  ".",  ":", "|",
                                                ",",  ";"};
        const char *op = nullptr;
        for (const char *candidate : operators)
          if (s_.compare(pos, std::char_traits<char>::length(candidate), candidate) == 0) {
            op = candidate;
            break;
          }
        if (!op)
          error(pos, "unexpected character '" + s_.substr(pos, len) + "' in a tag");
        std::string text(op);
        if (text == "(" || text == "[" || text == "{") {
          brackets.push_back(text[0]);
        } else if (text == ")" || text == "]" || text == "}") {
          char open = text == ")" ? '(' : text == "]" ? '[' : '{';
          if (brackets.empty() || brackets.back() != open)
            error(pos, "unexpected '" + text + "'");
          brackets.pop_back();
        }
        tokens_.push_back({TokenKind::Operator, text, line});
        pos += text.size();
      }
    }
  }

  /// If a tag end starts at pos, pushes its token and returns the position after it (and after
  /// any whitespace it strips); 0 otherwise.
  size_t matchTagEnd(size_t pos, bool block) {
    const char *close = block ? "%}" : "}}";
    auto at = [&](size_t p, const char *what) { return s_.compare(p, 2, what) == 0; };
    size_t end = 0;
    if (block && s_[pos] == '+' && at(pos + 1, close)) {
      end = pos + 3;
    } else if (s_[pos] == '-' && at(pos + 1, close)) {
      end = skipPySpace(s_, pos + 3);
    } else if (at(pos, close)) {
      end = pos + 2;
      if (block && end < s_.size() && s_[end] == '\n')
        ++end; // trim_blocks
    } else {
      return 0;
    }
    tokens_.push_back(
        {block ? TokenKind::BlockEnd : TokenKind::VariableEnd, close, src_.lineAt(pos)});
    return end;
  }

  size_t lexNumber(size_t pos) {
    int line = src_.lineAt(pos);
    size_t end = scanDigits(s_, pos);
    bool isFloat = false;
    // A float is digits with a fraction and/or an exponent; never right after a '.', so that
    // `x.0.1` reads as two subscripts (jinja2's lookbehind).
    bool afterDot = pos > 0 && s_[pos - 1] == '.';
    if (!afterDot) {
      size_t p = end;
      if (p + 1 < s_.size() && s_[p] == '.' && isDigit(s_[p + 1])) {
        p = scanDigits(s_, p + 1);
        isFloat = true;
      }
      if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
        size_t q = p + 1;
        if (q < s_.size() && (s_[q] == '+' || s_[q] == '-'))
          ++q;
        size_t e = scanDigits(s_, q);
        if (e > q) {
          p = e;
          isFloat = true;
        }
      }
      if (isFloat)
        end = p;
    }
    std::string text;
    for (size_t i = pos; i < end; ++i)
      if (s_[i] != '_')
        text += s_[i];
    Token token{isFloat ? TokenKind::Float : TokenKind::Integer, s_.substr(pos, end - pos), line};
    if (isFloat) {
      token.floatValue = std::strtod(text.c_str(), nullptr);
    } else {
      if (text.size() > 1 && text[0] == '0')
        error(pos, "unsupported number literal '" + token.text + "'");
      errno = 0;
      token.intValue = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE)
        error(pos, "integer literal " + token.text + " is larger than this engine supports");
    }
    if (end < s_.size() && isNameChar(s_[end]))
      error(pos, "unsupported number literal '" + s_.substr(pos, end + 1 - pos) + "'");
    tokens_.push_back(token);
    return end;
  }

  size_t lexString(size_t pos) {
    char quote = s_[pos];
    size_t p = pos + 1;
    while (p < s_.size() && s_[p] != quote) {
      if (s_[p] == '\\')
        ++p;
      ++p;
    }
    if (p >= s_.size())
      error(pos, "unterminated string literal");
    std::string message;
    auto value = decodeStringLiteral(s_.substr(pos + 1, p - pos - 1), message);
    if (!value)
      error(pos, message);
    tokens_.push_back({TokenKind::String, *value, src_.lineAt(pos)});
    return p + 1;
  }

  Source src_;
  const std::string &s_;
  std::vector<Token> tokens_;
};

} // namespace

std::vector<Token> tokenize(const std::string &source) {
  if (!isValidUtf8(source))
    throw TemplateError(1, "template is not valid UTF-8");
  return Lexer(source).run();
}

} // namespace inferno::rt::chat
