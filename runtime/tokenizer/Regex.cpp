//===- Regex.cpp - Oniguruma-compatible regex on top of PCRE2 -------------===//

#define PCRE2_CODE_UNIT_WIDTH 8
#include "runtime/tokenizer/Regex.h"

#include "runtime/tokenizer/UnicodeCategories.h"
#include "runtime/tokenizer/Utf8.h"

#include <pcre2.h>

#include <cctype>
#include <cstdio>
#include <vector>

namespace inferno::rt::tok {

namespace {

// Oniguruma's `\s` for Unicode encodings: U+0009..U+000D, U+0085 and the separators (Zs, Zl, Zp),
// which is the White_Space property. PCRE2's `\s` under UCP adds U+180E, so we spell it out.
constexpr std::string_view kSpaceClassBody =
    "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
    "\\x{205F}\\x{3000}";

/// Resolves an Oniguruma property name to general-category ranges (names match ignoring case,
/// spaces, '-' and '_', as in Oniguruma). Scripts and binary properties are not supported.
bool propertyRanges(std::string_view name, CodePointRanges &out) {
  static const std::pair<const char *, const char *> kLong[] = {
      {"letter", "L"}, {"mark", "M"},      {"number", "N"}, {"punctuation", "P"},
      {"symbol", "S"}, {"separator", "Z"}, {"other", "C"}};
  std::string loose;
  for (char c : name)
    if (c != ' ' && c != '_' && c != '-')
      loose.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (auto [longName, code] : kLong)
    if (loose == longName)
      return generalCategoryRanges(code, out);
  if (loose.empty() || loose.size() > 2)
    return false;
  std::string canonical = loose;
  canonical[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(canonical[0])));
  return generalCategoryRanges(canonical, out);
}

CodePointRanges complement(const CodePointRanges &ranges) {
  CodePointRanges out;
  uint32_t next = 0;
  for (auto [first, last] : ranges) {
    if (first > next)
      out.emplace_back(next, first - 1);
    next = last + 1;
  }
  if (next <= 0x10FFFF)
    out.emplace_back(next, 0x10FFFF);
  return out;
}

/// The inside of a PCRE2 character class for `ranges`. Surrogates (not characters in UTF-8,
/// and refused by PCRE2) are left out.
std::string classBody(const CodePointRanges &ranges) {
  std::string out;
  char buf[40];
  auto add = [&](uint32_t first, uint32_t last) {
    if (first == last)
      std::snprintf(buf, sizeof(buf), "\\x{%X}", first);
    else
      std::snprintf(buf, sizeof(buf), "\\x{%X}-\\x{%X}", first, last);
    out += buf;
  };
  for (auto [first, last] : ranges) {
    if (last < 0xD800 || first > 0xDFFF) {
      add(first, last);
      continue;
    }
    if (first < 0xD800)
      add(first, 0xD7FF);
    if (last > 0xDFFF)
      add(0xE000, last);
  }
  return out;
}
/// Characters whose full case folding is several ASCII letters: under (?i) Oniguruma lets
/// the pattern text "ss" match "ß" (and "st", "ff", "fi", "fl" match ligatures); PCRE2 does
/// not fold across lengths, so such patterns are refused.
bool hasMultiCharFold(const std::string &letters) {
  static const char *const kFolds[] = {"ss", "st", "ff", "fi", "fl"};
  for (const char *f : kFolds)
    if (letters.find(f) != std::string::npos)
      return true;
  return false;
}

Error unsupported(std::string_view pattern, const std::string &what) {
  return makeError("unsupported regex construct " + what + " in pattern '" +
                   std::string(pattern) + "'");
}

} // namespace

Expected<std::string> translateOnigurumaPattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() * 2);
  bool inClass = false;
  // Caseless state per open group: (?i: ... ) or (?i) until the group closes.
  std::vector<bool> caselessStack{false};
  std::vector<bool> groupSetsCaseless; // whether '(' pushed its own caseless entry
  std::string caselessLetters;         // consecutive literal letters under (?i)

  // A property becomes explicit ranges from our Unicode table: a class of its own outside
  // brackets, or the ranges (complemented when negated) inside one.
  auto appendProperty = [&](const CodePointRanges &ranges, bool negate) {
    if (inClass) {
      out.append(classBody(negate ? complement(ranges) : ranges));
      return;
    }
    std::string body = classBody(ranges);
    if (body.empty())
      out.append(negate ? "[\\x{0}-\\x{10FFFF}]" : "(?!)");
    else
      out.append(negate ? "[^" : "[").append(body).append("]");
  };

  auto flushLetters = [&]() -> bool {
    bool bad = hasMultiCharFold(caselessLetters);
    caselessLetters.clear();
    return bad;
  };

  size_t i = 0;
  while (i < p.size()) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    bool caseless = caselessStack.back();
    if (c >= 0x80) { // a literal non-ASCII character
      size_t len = utf8CharLength(c);
      out.append(p.substr(i, len));
      i += len;
      if (flushLetters())
        return unsupported(p, "(case-insensitive multi-character folding)");
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= p.size())
        return unsupported(p, "(trailing backslash)");
      char e = p[i + 1];
      i += 2;
      switch (e) {
      case 's':
        if (inClass)
          out.append(kSpaceClassBody);
        else
          out.append("[").append(kSpaceClassBody).append("]");
        break;
      case 'S':
        if (inClass)
          return unsupported(p, "\\S inside a character class");
        out.append("[^").append(kSpaceClassBody).append("]");
        break;
      case 'd': // Unicode: General_Category Nd in both engines, but from our table's version
      case 'D': {
        CodePointRanges digits;
        generalCategoryRanges("Nd", digits);
        appendProperty(digits, e == 'D');
        break;
      }
      case 'p':
      case 'P': {
        if (i >= p.size() || p[i] != '{')
          return unsupported(p, std::string("\\") + e + " without {name}");
        size_t close = p.find('}', i);
        if (close == std::string_view::npos)
          return unsupported(p, "(unterminated \\p{...})");
        std::string_view name = p.substr(i + 1, close - i - 1);
        bool negate = e == 'P';
        if (!name.empty() && name[0] == '^') {
          negate = !negate;
          name.remove_prefix(1);
        }
        CodePointRanges ranges;
        if (!propertyRanges(name, ranges))
          return unsupported(p, "\\p{" + std::string(name) + "}");
        appendProperty(ranges, negate);
        i = close + 1;
        break;
      }
      case 't':
      case 'n':
      case 'r':
      case 'f':
      case 'a':
      case 'e':
        out.push_back('\\');
        out.push_back(e);
        break;
      case 'v': // Oniguruma: vertical tab; PCRE2: any vertical space
        out.append("\\x{0B}");
        break;
      case 'x': { // \xHH or \x{H...}: same in both
        out.append("\\x");
        if (i < p.size() && p[i] == '{') {
          size_t close = p.find('}', i);
          if (close == std::string_view::npos)
            return unsupported(p, "(unterminated \\x{...})");
          out.append(p.substr(i, close - i + 1));
          i = close + 1;
        } else {
          size_t n = 0;
          while (n < 2 && i < p.size() && std::isxdigit(static_cast<unsigned char>(p[i]))) {
            out.push_back(p[i++]);
            ++n;
          }
          if (n == 0)
            return unsupported(p, "\\x without hex digits");
        }
        break;
      }
      case 'u': { // Oniguruma (Ruby syntax) \uHHHH; PCRE2 spells it \x{HHHH}
        if (i + 4 > p.size())
          return unsupported(p, "(short \\u escape)");
        std::string_view hex = p.substr(i, 4);
        for (char h : hex)
          if (!std::isxdigit(static_cast<unsigned char>(h)))
            return unsupported(p, "(bad \\u escape)");
        out.append("\\x{").append(hex).append("}");
        i += 4;
        break;
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(e)))
          return unsupported(p, std::string("\\") + e);
        // An escaped punctuation character is literal in both engines.
        out.push_back('\\');
        out.push_back(e);
        break;
      }
      if (flushLetters())
        return unsupported(p, "(case-insensitive multi-character folding)");
      continue;
    }
    if (inClass) {
      if (c == '[')
        return unsupported(p, "(nested character class or POSIX bracket)");
      if (c == '&' && i + 1 < p.size() && p[i + 1] == '&')
        return unsupported(p, "(character class intersection &&)");
      if (c == ']')
        inClass = false;
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    switch (c) {
    case '[': {
      inClass = true;
      out.push_back('[');
      ++i;
      // A ']' right after '[' or '[^' is a literal in both engines; copy it so it does not
      // close the class.
      if (i < p.size() && p[i] == '^')
        out.push_back(p[i++]);
      if (i < p.size() && p[i] == ']')
        out.push_back(p[i++]);
      break;
    }
    case '^':
    case '$':
      // Oniguruma anchors these at line boundaries by default, PCRE2 at the subject's ends.
      return unsupported(p, std::string("'") + static_cast<char>(c) + "' anchor");
    case '(': {
      ++i;
      if (i < p.size() && p[i] == '?') {
        // Lookarounds, non-capturing and atomic groups, named groups, and the i flag.
        std::string_view rest = p.substr(i + 1);
        if (rest.rfind(":", 0) == 0 || rest.rfind("=", 0) == 0 || rest.rfind("!", 0) == 0 ||
            rest.rfind("<=", 0) == 0 || rest.rfind("<!", 0) == 0 || rest.rfind(">", 0) == 0) {
          out.push_back('(');
          groupSetsCaseless.push_back(false);
          break; // the '?' and the rest are copied by the main loop
        }
        if (rest.rfind("<", 0) == 0) {
          out.push_back('(');
          groupSetsCaseless.push_back(false);
          break;
        }
        // Inline flags: (?i) (?-i) (?i:...) (?-i:...)
        size_t j = 0;
        bool on = true, sawI = false, value = caseless;
        while (j < rest.size() && (rest[j] == 'i' || rest[j] == '-')) {
          if (rest[j] == '-')
            on = false;
          else {
            sawI = true;
            value = on;
          }
          ++j;
        }
        if (!sawI || j >= rest.size() || (rest[j] != ':' && rest[j] != ')'))
          return unsupported(p, "(?" + std::string(rest.substr(0, j + 1)) + " group");
        if (flushLetters())
          return unsupported(p, "(case-insensitive multi-character folding)");
        if (rest[j] == ':') {
          caselessStack.push_back(value);
          groupSetsCaseless.push_back(true);
        } else {
          // (?i) applies to the end of the enclosing group.
          caselessStack.back() = value;
        }
        out.push_back('(');
        out.push_back('?');
        out.append(rest.substr(0, j + 1));
        i += 1 + j + 1;
        break;
      }
      out.push_back('(');
      groupSetsCaseless.push_back(false);
      break;
    }
    case ')':
      if (flushLetters())
        return unsupported(p, "(case-insensitive multi-character folding)");
      if (!groupSetsCaseless.empty()) {
        if (groupSetsCaseless.back())
          caselessStack.pop_back();
        groupSetsCaseless.pop_back();
      }
      out.push_back(')');
      ++i;
      break;
    default:
      if (caseless && std::isalpha(c))
        caselessLetters.push_back(static_cast<char>(std::tolower(c)));
      else if (flushLetters())
        return unsupported(p, "(case-insensitive multi-character folding)");
      out.push_back(static_cast<char>(c));
      ++i;
      break;
    }
  }
  if (flushLetters())
    return unsupported(p, "(case-insensitive multi-character folding)");
  if (inClass)
    return unsupported(p, "(unterminated character class)");
  return out;
}

//===----------------------------------------------------------------------===//
// PCRE2
//===----------------------------------------------------------------------===//

struct Regex::Compiled {
  pcre2_code *code = nullptr;
  bool jit = false;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

/// Per-thread JIT stack: patterns with nested quantifiers on long inputs can outgrow PCRE2's
/// default 32 KiB machine stack.
struct JitContext {
  pcre2_jit_stack *stack = nullptr;
  pcre2_match_context *context = nullptr;
  JitContext() {
    stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
    context = pcre2_match_context_create(nullptr);
    if (stack && context)
      pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~JitContext() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

pcre2_match_context *threadMatchContext() {
  thread_local JitContext jit;
  return jit.context;
}

} // namespace

Expected<Regex> Regex::fromPcre2(std::string_view pattern) {
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_compile_context *cc = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
  pcre2_code *code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, cc);
  pcre2_compile_context_free(cc);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return makeError("cannot compile regex '" + std::string(pattern) + "' at offset " +
                     std::to_string(errorOffset) + ": " + reinterpret_cast<char *>(message));
  }
  auto compiled = std::make_shared<Compiled>();
  compiled->code = code;
  compiled->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return Regex(std::move(compiled), std::string(pattern));
}

Expected<Regex> Regex::fromOniguruma(std::string_view pattern) {
  Expected<std::string> translated = translateOnigurumaPattern(pattern);
  if (!translated)
    return translated.error();
  Expected<Regex> regex = fromPcre2(*translated);
  if (!regex)
    return regex.error();
  regex->pattern_ = std::string(pattern);
  return regex;
}

namespace {

/// One search from `start`; returns false when there is no further match. A PCRE2 failure
/// other than "no match" (a resource limit on a pathological input) falls back to the
/// interpreter, which has its own, larger, heap-based limits.
bool searchOnce(const pcre2_code *code, bool jit, std::string_view text, size_t start,
                pcre2_match_data *md, size_t &begin, size_t &end) {
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  int rc = PCRE2_ERROR_NOMATCH;
  if (jit)
    rc = pcre2_jit_match(code, subject, text.size(), start, 0, md, threadMatchContext());
  if (!jit || (rc < 0 && rc != PCRE2_ERROR_NOMATCH))
    rc = pcre2_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, md, nullptr);
  if (rc < 0)
    return false;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
  begin = ov[0];
  end = ov[1];
  return true;
}

} // namespace

Regex::Matcher::Matcher(const Regex &regex, std::string_view text)
    : compiled_(*regex.compiled_), text_(text),
      matchData_(pcre2_match_data_create_from_pattern(regex.compiled_->code, nullptr)) {}

Regex::Matcher::~Matcher() { pcre2_match_data_free(static_cast<pcre2_match_data *>(matchData_)); }

bool Regex::Matcher::next(size_t &begin, size_t &end) {
  auto *md = static_cast<pcre2_match_data *>(matchData_);
  while (!done_ && pos_ <= text_.size()) {
    size_t b, e;
    if (!searchOnce(compiled_.code, compiled_.jit, text_, pos_, md, b, e)) {
      done_ = true;
      return false;
    }
    if (b == e) {
      // Empty match: resume one character later; drop it if it touches the previous match.
      pos_ = e < text_.size() ? e + utf8CharLength(static_cast<unsigned char>(text_[e]))
                              : text_.size() + 1;
      if (e == lastMatchEnd_)
        continue;
    } else {
      pos_ = e;
    }
    lastMatchEnd_ = e;
    begin = b;
    end = e;
    return true;
  }
  done_ = true;
  return false;
}

bool Regex::fullMatch(std::string_view text) const {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(compiled_->code, nullptr);
  int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                       PCRE2_NO_UTF_CHECK | PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, nullptr);
  pcre2_match_data_free(md);
  return rc >= 0;
}

} // namespace inferno::rt::tok
