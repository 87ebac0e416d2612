//===- Text.cpp - Python's string semantics over UTF-8 --------------------===//

#include "runtime/chat/Text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace inferno::rt::chat {

std::u32string decodeUtf8(const std::string &text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    char32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c >> 4) == 0xE) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    for (size_t k = 1; k < len && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string encodeUtf8(const std::u32string &text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text)
    appendUtf8(out, cp);
  return out;
}

bool isValidUtf8(const std::string &text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t len;
    char32_t cp, min;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c >> 4) == 0xE) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c >> 3) == 0x1E) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > text.size())
      return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = text[i + k];
      if ((cc >> 6) != 0x2)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

size_t codePointCount(const std::string &text) {
  size_t n = 0;
  for (unsigned char c : text)
    n += (c & 0xC0) != 0x80;
  return n;
}

bool isPySpace(char32_t cp) {
  // The complete list of code points for which Python 3's str.isspace() is true.
  if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20))
    return true;
  switch (cp) {
  case 0x85:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string pyStrip(const std::string &text, const std::optional<std::string> &chars, bool left,
                    bool right) {
  std::u32string s = decodeUtf8(text);
  std::u32string set = chars ? decodeUtf8(*chars) : std::u32string();
  auto strippable = [&](char32_t cp) {
    return chars ? set.find(cp) != std::u32string::npos : isPySpace(cp);
  };
  size_t begin = 0, end = s.size();
  if (left)
    while (begin < end && strippable(s[begin]))
      ++begin;
  if (right)
    while (end > begin && strippable(s[end - 1]))
      --end;
  return encodeUtf8(s.substr(begin, end - begin));
}

std::vector<std::string> pySplit(const std::string &text, const std::optional<std::string> &sep,
                                 int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep) {
    if (sep->empty())
      throw std::invalid_argument("empty separator");
    size_t start = 0;
    while (maxsplit != 0) {
      size_t at = text.find(*sep, start);
      if (at == std::string::npos)
        break;
      parts.push_back(text.substr(start, at - start));
      start = at + sep->size();
      if (maxsplit > 0)
        --maxsplit;
    }
    parts.push_back(text.substr(start));
    return parts;
  }
  // Whitespace splitting drops empty pieces; once maxsplit is spent, the rest (minus its leading
  // whitespace) is the last piece, trailing whitespace included: CPython's algorithm.
  std::u32string s = decodeUtf8(text);
  size_t i = 0, n = s.size();
  while (maxsplit != 0) {
    while (i < n && isPySpace(s[i]))
      ++i;
    if (i == n)
      break;
    size_t j = i;
    while (i < n && !isPySpace(s[i]))
      ++i;
    parts.push_back(encodeUtf8(s.substr(j, i - j)));
    if (maxsplit > 0)
      --maxsplit;
  }
  if (i < n) {
    while (i < n && isPySpace(s[i]))
      ++i;
    if (i != n)
      parts.push_back(encodeUtf8(s.substr(i)));
  }
  return parts;
}

std::string pyReplace(const std::string &text, const std::string &from, const std::string &to,
                      int64_t count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` before every code point and at the end.
    std::u32string s = decodeUtf8(text);
    for (char32_t cp : s) {
      if (count != 0) {
        out += to;
        if (count > 0)
          --count;
      }
      appendUtf8(out, cp);
    }
    if (count != 0)
      out += to;
    return out;
  }
  size_t start = 0;
  while (count != 0) {
    size_t at = text.find(from, start);
    if (at == std::string::npos)
      break;
    out.append(text, start, at - start);
    out += to;
    start = at + from.size();
    if (count > 0)
      --count;
  }
  out.append(text, start, std::string::npos);
  return out;
}

std::string pyFloatRepr(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  // Shortest %e precision that reads back to the same double: the digits repr() prints.
  char buf[64];
  for (int precision = 0; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  std::string sci(buf);
  bool negative = sci[0] == '-';
  if (negative)
    sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (sci[i] != '.')
      digits += sci[i];
  int exponent = std::atoi(sci.c_str() + e + 1);
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();

  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1)
      out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  int point = exponent + 1; // digits before the decimal point
  if (point <= 0)
    return out + "0." + std::string(-point, '0') + digits;
  if (static_cast<size_t>(point) >= digits.size())
    return out + digits + std::string(point - digits.size(), '0') + ".0";
  return out + digits.substr(0, point) + "." + digits.substr(point);
}

bool isAscii(const std::string &text) {
  for (unsigned char c : text)
    if (c >= 0x80)
      return false;
  return true;
}

std::string pyStrReprAscii(const std::string &text) {
  char quote = (text.find('\'') != std::string::npos && text.find('"') == std::string::npos)
                   ? '"'
                   : '\'';
  std::string out(1, quote);
  for (unsigned char c : text) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

std::optional<std::string> decodeStringLiteral(const std::string &body, std::string &error) {
  // Jinja runs `body.encode("ascii", "backslashreplace").decode("unicode-escape")`: first every
  // non-ASCII code point becomes \xhh, \uhhhh or \Uhhhhhhhh, then escapes are decoded. Doing
  // the same two steps keeps odd inputs such as a backslash before "é" identical.
  std::string ascii;
  for (char32_t cp : decodeUtf8(body)) {
    if (cp < 0x80) {
      ascii.push_back(static_cast<char>(cp));
      continue;
    }
    char esc[16];
    if (cp < 0x100)
      std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned>(cp));
    else if (cp < 0x10000)
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(cp));
    else
      std::snprintf(esc, sizeof esc, "\\U%08x", static_cast<unsigned>(cp));
    ascii += esc;
  }

  std::string out;
  auto put = [&](uint32_t cp) -> bool {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      error = "string literal escape gives a code point that is not valid text";
      return false;
    }
    appendUtf8(out, cp);
    return true;
  };
  for (size_t i = 0; i < ascii.size(); ++i) {
    char c = ascii[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == ascii.size()) {
      error = "string literal ends in a backslash";
      return std::nullopt;
    }
    char e = ascii[i];
    switch (e) {
    case '\n': // line continuation
      break;
    case '\\':
    case '\'':
    case '"':
      out.push_back(e);
      break;
    case 'a':
      out.push_back('\a');
      break;
    case 'b':
      out.push_back('\b');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 't':
      out.push_back('\t');
      break;
    case 'v':
      out.push_back('\v');
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; ++k) {
        int h = i + 1 + k < ascii.size() ? hexDigitValue(ascii[i + 1 + k]) : -1;
        if (h < 0) {
          error = std::string("truncated \\") + e + " escape in a string literal";
          return std::nullopt;
        }
        cp = cp * 16 + h;
      }
      i += digits;
      if (!put(cp))
        return std::nullopt;
      break;
    }
    case 'N':
      error = "named escapes (\\N{...}) in string literals are not supported";
      return std::nullopt;
    default:
      if (e >= '0' && e <= '7') {
        uint32_t cp = e - '0';
        for (int k = 0; k < 2 && i + 1 < ascii.size() && ascii[i + 1] >= '0' && ascii[i + 1] <= '7';
             ++k)
          cp = cp * 8 + (ascii[++i] - '0');
        if (!put(cp))
          return std::nullopt;
      } else {
        // Python keeps unknown escapes such as "\d" as they are.
        out.push_back('\\');
        out.push_back(e);
      }
    }
  }
  return out;
}

} // namespace inferno::rt::chat
