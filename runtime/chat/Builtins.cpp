//===- Builtins.cpp - filters, tests, methods and global functions --------===//
//
// Each filter follows jinja2/filters.py (3.1) for the non-autoescaping environment HF uses;
// `tojson` is HF's override (json.dumps with ensure_ascii=False, no HTML escaping). Filters that
// return generators in Jinja (select, reject, map, items) return Generator-flavoured lists, so
// that printing or measuring them fails here as it would misbehave there.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Builtins.h"

#include "runtime/chat/Operators.h"
#include "runtime/chat/TemplateError.h"
#include "runtime/chat/Text.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

namespace inferno::rt::chat {

namespace {

/// Binds call arguments to parameter names the way a Python signature does (positional then
/// keyword, no duplicates, no unknown keywords). Missing parameters are nullptr.
class Bound {
public:
  Bound(const std::string &what, const CallArgs &args, std::vector<std::string> params)
      : values_(params.size()) {
    size_t n = args.positional.size();
    if (n > params.size())
      fail(what + " takes at most " + std::to_string(params.size()) + " argument(s), got " +
           std::to_string(n));
    for (size_t i = 0; i < n; ++i)
      values_[i] = args.positional[i];
    for (const auto &[key, value] : args.keyword) {
      size_t i = 0;
      while (i < params.size() && params[i] != key)
        ++i;
      if (i == params.size())
        fail(what + " got an unexpected keyword argument '" + key + "'");
      if (values_[i])
        fail(what + " got multiple values for argument '" + key + "'");
      values_[i] = value;
    }
  }
  const Value *operator[](size_t i) const { return values_[i] ? &*values_[i] : nullptr; }
  /// A parameter that was given and is not None.
  const Value *given(size_t i) const {
    const Value *v = (*this)[i];
    return v && !v->isNone() ? v : nullptr;
  }

private:
  std::vector<std::optional<Value>> values_;
};

void noArguments(const std::string &what, const CallArgs &args) { Bound(what, args, {}); }

void noKeywords(const std::string &what, const CallArgs &args) {
  if (!args.keyword.empty())
    fail(what + " takes no keyword arguments");
}

int64_t intArg(const std::string &what, const Value &v) {
  if (!v.isInt() && !v.isBool())
    fail(what + " needs an integer, got " + describeType(v));
  return v.asInt();
}

const std::string &strArg(const std::string &what, const Value &v) {
  if (!v.isString())
    fail(what + " needs a string, got " + describeType(v));
  return v.asString();
}

/// str.upper/lower/capitalize follow the Unicode database in Python; only ASCII is modelled.
std::string asciiCase(const std::string &what, const std::string &text, int mode) {
  if (!isAscii(text))
    fail(what + " on non-ASCII text is not supported (Python applies Unicode case rules)");
  std::string out = text;
  for (size_t i = 0; i < out.size(); ++i) {
    char &c = out[i];
    bool upper = mode == 1 || (mode == 2 && i == 0);
    if (upper && c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    else if (!upper && c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Value length(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return Value::integer(0);
  case Value::Kind::String:
    return Value::integer(static_cast<int64_t>(codePointCount(v.asString())));
  case Value::Kind::List:
    if (v.flavor() == Value::Flavor::Generator)
      fail("object of type 'generator' has no len()");
    return Value::integer(static_cast<int64_t>(v.items().size()));
  case Value::Kind::Dict:
    return Value::integer(static_cast<int64_t>(v.entries().size()));
  case Value::Kind::Object:
    if (v.objectData().typeName == "LoopContext")
      return getAttr(v, "length"); // LoopContext defines __len__
    [[fallthrough]];
  default:
    fail("object of type '" + describeType(v) + "' has no len()");
  }
}

/// make_attrgetter: "a.b.0" looks up a, then b, then index 0, each through getitem.
/// `lazy`: the lookup belongs to a generator (map, selectattr, rejectattr), which jinja2 runs
/// while a loop body may be changing namespaces; reading a namespace there is refused.
Value lookupPath(const Value &item, const Value &attribute, bool lazy) {
  auto step = [lazy](const Value &from, const Value &key) {
    if (lazy && from.isObject() && from.objectData().assignable)
      fail("reading namespace attributes in map/selectattr/rejectattr is not supported "
           "(jinja2 reads them lazily)");
    return getItem(from, key);
  };
  if (!attribute.isString())
    return step(item, attribute);
  Value current = item;
  std::string path = attribute.asString();
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    if (digits && part.size() > 18)
      return Value::undefined("index " + part + " is out of range"); // no int64 index this big
    current = step(current, digits ? Value::integer(std::stoll(part)) : Value::string(part));
    if (dot == std::string::npos)
      return current;
    start = dot + 1;
  }
}

/// select / reject / selectattr / rejectattr.
Value selectOrReject(const std::string &what, const Value &input, const CallArgs &args,
                     bool keepWhenTrue, bool byAttribute) {
  ValueList out;
  if (!truthy(input))
    return Value::list(std::move(out), Value::Flavor::Generator);
  size_t off = 0;
  Value attribute;
  if (byAttribute) {
    if (args.positional.empty())
      fail(what + ": missing parameter for attribute name");
    attribute = args.positional[0];
    off = 1;
  }
  bool hasTest = args.positional.size() > off;
  std::string test;
  CallArgs testArgs;
  if (hasTest) {
    test = strArg(what, args.positional[off]);
    if (!isSupportedTest(test))
      fail("unsupported test '" + test + "'");
    testArgs.positional.assign(args.positional.begin() + off + 1, args.positional.end());
    testArgs.keyword = args.keyword;
  }
  for (const Value &item : iterate(input)) {
    Value subject = byAttribute ? lookupPath(item, attribute, true) : item;
    bool result = hasTest ? applyTest(test, subject, testArgs) : truthy(subject);
    if (result == keepWhenTrue)
      out.push_back(item);
  }
  return Value::list(std::move(out), Value::Flavor::Generator);
}

Value mapFilter(const Value &input, const CallArgs &args) {
  ValueList out;
  if (!truthy(input))
    return Value::list(std::move(out), Value::Flavor::Generator);
  if (args.positional.empty()) {
    const Value *attribute = nullptr, *dflt = nullptr;
    for (const auto &[key, value] : args.keyword) {
      if (key == "attribute")
        attribute = &value;
      else if (key == "default")
        dflt = &value;
      else
        fail("map: unexpected keyword argument '" + key + "'");
    }
    if (!attribute)
      fail("map requires a filter argument");
    for (const Value &item : iterate(input)) {
      Value v = lookupPath(item, *attribute, true);
      out.push_back(v.isUndefined() && dflt && !dflt->isNone() ? *dflt : v);
    }
  } else {
    std::string filter = strArg("map", args.positional[0]);
    if (!isSupportedFilter(filter))
      fail("unsupported filter '" + filter + "'");
    CallArgs rest{ValueList(args.positional.begin() + 1, args.positional.end()), args.keyword};
    for (const Value &item : iterate(input))
      out.push_back(applyFilter(filter, item, rest));
  }
  return Value::list(std::move(out), Value::Flavor::Generator);
}

Value defaultFilter(const Value &input, const CallArgs &args) {
  Bound b("default", args, {"default_value", "boolean"});
  bool boolean = b[1] && truthy(*b[1]);
  if (input.isUndefined() || (boolean && !truthy(input)))
    return b[0] ? *b[0] : Value::string("");
  return input;
}

Value tojson(const Value &input, const CallArgs &args) {
  // HF: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
  Bound b("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions options;
  if (b[0])
    options.ensureAscii = truthy(*b[0]);
  if (const Value *indent = b.given(1)) {
    options.hasIndent = true;
    if (indent->isString())
      options.indent = indent->asString();
    else
      options.indent = std::string(std::max<int64_t>(0, intArg("tojson indent", *indent)), ' ');
  }
  if (const Value *sep = b.given(2)) {
    if (!sep->isList() || sep->items().size() != 2 || !sep->items()[0].isString() ||
        !sep->items()[1].isString())
      fail("tojson separators must be two strings");
    options.hasSeparators = true;
    options.itemSeparator = sep->items()[0].asString();
    options.keySeparator = sep->items()[1].asString();
  }
  if (b[3])
    options.sortKeys = truthy(*b[3]);
  return Value::string(toJson(input, options));
}

using FilterFn = Value (*)(const Value &input, const CallArgs &args);

const std::map<std::string, FilterFn> &filterTable() {
  static const std::map<std::string, FilterFn> table = {
      {"abs",
       [](const Value &v, const CallArgs &a) {
         noArguments("abs", a);
         if (!v.isNumber())
           fail("bad operand type for abs(): '" + describeType(v) + "'");
         if (v.isFloat())
           return Value::floating(std::fabs(v.asDouble()));
         return v.asInt() < 0 ? unaryOp("-", v) : Value::integer(v.asInt());
       }},
      {"capitalize",
       [](const Value &v, const CallArgs &a) {
         noArguments("capitalize", a);
         return Value::string(asciiCase("capitalize", toStr(v), 2));
       }},
      {"count",
       [](const Value &v, const CallArgs &a) {
         noArguments("count", a);
         return length(v);
       }},
      {"length",
       [](const Value &v, const CallArgs &a) {
         noArguments("length", a);
         return length(v);
       }},
      {"default", defaultFilter},
      {"d", defaultFilter},
      {"first",
       [](const Value &v, const CallArgs &a) {
         noArguments("first", a);
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("No first item, sequence was empty.") : items[0];
       }},
      {"last",
       [](const Value &v, const CallArgs &a) {
         noArguments("last", a);
         if (v.isList() && v.flavor() == Value::Flavor::Generator)
           fail("'generator' object is not reversible");
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("No last item, sequence was empty.")
                              : items.back();
       }},
      {"join",
       [](const Value &v, const CallArgs &a) {
         Bound b("join", a, {"d", "attribute"});
         std::string sep = b[0] ? toStr(*b[0]) : "";
         std::string out;
         bool first = true;
         for (const Value &item : iterate(v)) {
           if (!first)
             out += sep;
           first = false;
           out += toStr(b.given(1) ? lookupPath(item, *b.given(1), false) : item);
         }
         return Value::string(std::move(out));
       }},
      {"items",
       [](const Value &v, const CallArgs &a) {
         noArguments("items", a);
         ValueList pairs;
         if (v.isDict()) {
           for (const auto &[key, value] : v.entries())
             pairs.push_back(Value::list({Value::string(key), value}, Value::Flavor::Tuple));
         } else if (!v.isUndefined()) {
           fail("Can only get item pairs from a mapping.");
         }
         return Value::list(std::move(pairs), Value::Flavor::Generator);
       }},
      {"list",
       [](const Value &v, const CallArgs &a) {
         noArguments("list", a);
         return Value::list(iterate(v));
       }},
      {"lower",
       [](const Value &v, const CallArgs &a) {
         noArguments("lower", a);
         return Value::string(asciiCase("lower", toStr(v), 0));
       }},
      {"upper",
       [](const Value &v, const CallArgs &a) {
         noArguments("upper", a);
         return Value::string(asciiCase("upper", toStr(v), 1));
       }},
      {"map", [](const Value &v, const CallArgs &a) { return mapFilter(v, a); }},
      {"replace",
       [](const Value &v, const CallArgs &a) {
         Bound b("replace", a, {"old", "new", "count"});
         if (!b[0] || !b[1])
           fail("replace needs 'old' and 'new'");
         int64_t count = b.given(2) ? intArg("replace count", *b.given(2)) : -1;
         return Value::string(pyReplace(toStr(v), toStr(*b[0]), toStr(*b[1]), count));
       }},
      {"reject",
       [](const Value &v, const CallArgs &a) { return selectOrReject("reject", v, a, false, false); }},
      {"rejectattr",
       [](const Value &v, const CallArgs &a) {
         return selectOrReject("rejectattr", v, a, false, true);
       }},
      {"select",
       [](const Value &v, const CallArgs &a) { return selectOrReject("select", v, a, true, false); }},
      {"selectattr",
       [](const Value &v, const CallArgs &a) {
         return selectOrReject("selectattr", v, a, true, true);
       }},
      {"string",
       [](const Value &v, const CallArgs &a) {
         noArguments("string", a);
         return Value::string(toStr(v));
       }},
      {"trim",
       [](const Value &v, const CallArgs &a) {
         Bound b("trim", a, {"chars"});
         std::optional<std::string> chars;
         if (const Value *c = b.given(0))
           chars = strArg("trim chars", *c);
         return Value::string(pyStrip(toStr(v), chars, true, true));
       }},
      {"tojson", tojson},
  };
  return table;
}

using TestFn = bool (*)(const Value &input, const CallArgs &args);

Value oneArg(const std::string &what, const CallArgs &args) {
  Bound b(what, args, {"other"});
  if (!b[0])
    fail("test '" + what + "' needs an argument");
  return *b[0];
}

bool isNumericOne(const Value &v, int64_t n) { return equals(v, Value::integer(n)); }

const std::map<std::string, TestFn> &testTable() {
  static const std::map<std::string, TestFn> table = [] {
    std::map<std::string, TestFn> t;
    t["defined"] = [](const Value &v, const CallArgs &) { return !v.isUndefined(); };
    t["undefined"] = [](const Value &v, const CallArgs &) { return v.isUndefined(); };
    t["none"] = [](const Value &v, const CallArgs &) { return v.isNone(); };
    t["boolean"] = [](const Value &v, const CallArgs &) { return v.isBool(); };
    t["true"] = [](const Value &v, const CallArgs &) { return v.isBool() && v.asBool(); };
    t["false"] = [](const Value &v, const CallArgs &) { return v.isBool() && !v.asBool(); };
    t["integer"] = [](const Value &v, const CallArgs &) { return v.isInt(); };
    t["float"] = [](const Value &v, const CallArgs &) { return v.isFloat(); };
    t["number"] = [](const Value &v, const CallArgs &) { return v.isNumber(); };
    t["string"] = [](const Value &v, const CallArgs &) { return v.isString(); };
    t["mapping"] = [](const Value &v, const CallArgs &) { return v.isDict(); };
    t["iterable"] = [](const Value &v, const CallArgs &) {
      return v.isUndefined() || v.isString() || v.isList() || v.isDict() ||
             (v.isObject() && v.objectData().typeName == "LoopContext");
    };
    t["sequence"] = [](const Value &v, const CallArgs &) {
      // len() and __getitem__ both exist (Undefined has both). A loop object has only len(),
      // which jinja2 still calls, running the loop filter ahead.
      if (v.isObject() && v.objectData().typeName == "LoopContext") {
        getAttr(v, "length");
        return false;
      }
      return v.isUndefined() || v.isString() || v.isDict() ||
             (v.isList() && v.flavor() != Value::Flavor::Generator &&
              v.flavor() != Value::Flavor::View);
    };
    TestFn eq = [](const Value &v, const CallArgs &a) { return equals(v, oneArg("eq", a)); };
    TestFn ne = [](const Value &v, const CallArgs &a) { return !equals(v, oneArg("ne", a)); };
    TestFn lt = [](const Value &v, const CallArgs &a) { return compare(v, oneArg("lt", a)) < 0; };
    TestFn le = [](const Value &v, const CallArgs &a) { return compare(v, oneArg("le", a)) <= 0; };
    TestFn gt = [](const Value &v, const CallArgs &a) { return compare(v, oneArg("gt", a)) > 0; };
    TestFn ge = [](const Value &v, const CallArgs &a) { return compare(v, oneArg("ge", a)) >= 0; };
    for (const char *n : {"eq", "equalto", "=="})
      t[n] = eq;
    for (const char *n : {"ne", "!="})
      t[n] = ne;
    for (const char *n : {"lt", "lessthan", "<"})
      t[n] = lt;
    for (const char *n : {"le", "<="})
      t[n] = le;
    for (const char *n : {"gt", "greaterthan", ">"})
      t[n] = gt;
    for (const char *n : {"ge", ">="})
      t[n] = ge;
    t["in"] = [](const Value &v, const CallArgs &a) { return contains(oneArg("in", a), v); };
    // `is sameas` is Python's identity; only None, True and False have one identity per value.
    t["sameas"] = [](const Value &v, const CallArgs &a) {
      Value other = oneArg("sameas", a);
      if (!other.isNone() && !other.isBool())
        fail("test 'sameas' is only supported against none, true and false");
      return v.kind() == other.kind() && (v.isNone() || v.asBool() == other.asBool());
    };
    t["odd"] = [](const Value &v, const CallArgs &) {
      return isNumericOne(binaryOp("%", v, Value::integer(2)), 1);
    };
    t["even"] = [](const Value &v, const CallArgs &) {
      return isNumericOne(binaryOp("%", v, Value::integer(2)), 0);
    };
    t["divisibleby"] = [](const Value &v, const CallArgs &a) {
      return isNumericOne(binaryOp("%", v, oneArg("divisibleby", a)), 0);
    };
    return t;
  }();
  return table;
}

//===--- str and dict methods ---------------------------------------------===//

Value stringMethod(const std::string &self, const std::string &name, const CallArgs &args) {
  const std::string what = "str." + name + "()";
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    noKeywords(what, args);
    Bound b(what, args, {"chars"});
    std::optional<std::string> chars;
    if (const Value *c = b.given(0))
      chars = strArg(what, *c);
    return Value::string(pyStrip(self, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split") {
    Bound b(what, args, {"sep", "maxsplit"});
    std::optional<std::string> sep;
    if (const Value *s = b.given(0))
      sep = strArg(what, *s);
    int64_t maxsplit = b[1] ? intArg(what, *b[1]) : -1;
    if (sep && sep->empty())
      fail("empty separator");
    ValueList parts;
    for (std::string &part : pySplit(self, sep, maxsplit))
      parts.push_back(Value::string(std::move(part)));
    return Value::list(std::move(parts));
  }
  if (name == "startswith" || name == "endswith") {
    noKeywords(what, args);
    Bound b(what, args, {"prefix", "start", "end"});
    if (!b[0])
      fail(what + " takes at least 1 argument");
    if (b[1] || b[2])
      fail(what + " with start/end arguments is not supported");
    ValueList candidates;
    if (b[0]->isList() && b[0]->flavor() == Value::Flavor::Tuple)
      candidates = b[0]->items();
    else
      candidates.push_back(*b[0]);
    for (const Value &c : candidates) {
      const std::string &s = strArg(what, c);
      bool hit = name == "startswith"
                     ? self.compare(0, s.size(), s) == 0
                     : self.size() >= s.size() && self.compare(self.size() - s.size(), s.size(), s) == 0;
      if (hit)
        return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "upper" || name == "lower") {
    noArguments(what, args);
    return Value::string(asciiCase(what, self, name == "upper" ? 1 : 0));
  }
  if (name == "replace") {
    noKeywords(what, args);
    Bound b(what, args, {"old", "new", "count"});
    if (!b[0] || !b[1])
      fail(what + " needs 2 arguments");
    int64_t count = b[2] ? intArg(what, *b[2]) : -1;
    return Value::string(pyReplace(self, strArg(what, *b[0]), strArg(what, *b[1]), count));
  }
  fail("unsupported method " + what);
}

Value dictMethod(const Value &self, const std::string &name, const CallArgs &args) {
  const std::string what = "dict." + name + "()";
  noKeywords(what, args);
  if (name == "get") {
    Bound b(what, args, {"key", "default"});
    if (!b[0])
      fail(what + " takes at least 1 argument");
    if (b[0]->isString())
      if (const Value *v = self.find(b[0]->asString()))
        return *v;
    return b[1] ? *b[1] : Value::none();
  }
  noArguments(what, args);
  ValueList out;
  for (const auto &[key, value] : self.entries()) {
    if (name == "keys")
      out.push_back(Value::string(key));
    else if (name == "values")
      out.push_back(value);
    else
      out.push_back(Value::list({Value::string(key), value}, Value::Flavor::Tuple));
  }
  return Value::list(std::move(out), Value::Flavor::View);
}

//===--- Globals ----------------------------------------------------------===//

Value makeNamespace(const CallArgs &args) {
  auto data = std::make_shared<ObjectData>();
  data->typeName = "Namespace";
  data->assignable = true;
  auto set = [&](const std::string &key, const Value &value) {
    for (auto &entry : data->attributes)
      if (entry.first == key) {
        entry.second = value;
        return;
      }
    data->attributes.emplace_back(key, value);
  };
  if (args.positional.size() > 1)
    fail("namespace() takes at most one positional argument");
  if (!args.positional.empty()) {
    if (!args.positional[0].isDict())
      fail("namespace() with a positional argument other than a dict is not supported");
    for (const auto &[key, value] : args.positional[0].entries())
      set(key, value);
  }
  for (const auto &[key, value] : args.keyword)
    set(key, value);
  return Value::object(std::move(data));
}

Value makeRange(const CallArgs &args) {
  noKeywords("range()", args);
  if (args.positional.empty() || args.positional.size() > 3)
    fail("range expected 1 to 3 arguments");
  int64_t start = 0, stop, step = 1;
  if (args.positional.size() == 1) {
    stop = intArg("range()", args.positional[0]);
  } else {
    start = intArg("range()", args.positional[0]);
    stop = intArg("range()", args.positional[1]);
    if (args.positional.size() == 3)
      step = intArg("range()", args.positional[2]);
  }
  if (step == 0)
    fail("range() arg 3 must not be zero");
  ValueList items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (items.size() >= 100000) // the sandbox's MAX_RANGE
      fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    items.push_back(Value::integer(i));
  }
  return Value::list(std::move(items), Value::Flavor::Range);
}

LocalTime currentLocalTime() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()) %
                std::chrono::seconds(1);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
          tm.tm_min,         tm.tm_sec,     static_cast<int>(micros.count())};
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

} // namespace

bool isSupportedFilter(const std::string &name) { return filterTable().count(name) != 0; }
bool isSupportedTest(const std::string &name) { return testTable().count(name) != 0; }

Value applyFilter(const std::string &name, const Value &input, const CallArgs &args) {
  auto it = filterTable().find(name);
  if (it == filterTable().end())
    fail("unsupported filter '" + name + "'");
  return it->second(input, args);
}

bool applyTest(const std::string &name, const Value &input, const CallArgs &args) {
  auto it = testTable().find(name);
  if (it == testTable().end())
    fail("unsupported test '" + name + "'");
  // Tests without parameters must still reject arguments: `x is none not in y` passes the
  // name `not` as an argument to `none`, which fails in jinja2.
  static const std::set<std::string> withArguments = {
      "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
      ">", "ge", ">=", "in", "divisibleby", "sameas"};
  if (!withArguments.count(name))
    noArguments("test '" + name + "'", args);
  return it->second(input, args);
}

std::optional<Value> boundMethod(const Value &self, const std::string &name) {
  static const std::set<std::string> strMethods = {"strip",      "lstrip",   "rstrip", "split",
                                                   "startswith", "endswith", "upper",  "lower",
                                                   "replace"};
  static const std::set<std::string> dictMethods = {"get", "items", "keys", "values"};
  if (self.isString() && strMethods.count(name)) {
    std::string text = self.asString();
    return Value::callable("str." + name, [text, name](const CallArgs &args) {
      return stringMethod(text, name, args);
    });
  }
  if (self.isDict() && dictMethods.count(name)) {
    return Value::callable("dict." + name, [self, name](const CallArgs &args) {
      return dictMethod(self, name, args);
    });
  }
  return std::nullopt;
}

std::string formatTime(const std::string &format, const LocalTime &time) {
  // datetime.strftime first expands %f (microseconds) and, for a naive datetime, turns %z
  // and %Z into nothing; the rest goes to the C library's strftime, as Python's time.strftime
  // does.
  std::string expanded;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      expanded += format[i];
      continue;
    }
    char c = format[++i];
    if (c == 'f') {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%06d", time.microsecond);
      expanded += buf;
    } else if (c != 'z' && c != 'Z') {
      expanded += '%';
      expanded += c;
    }
  }
  std::tm tm{};
  tm.tm_year = time.year - 1900;
  tm.tm_mon = time.month - 1;
  tm.tm_mday = time.day;
  tm.tm_hour = time.hour;
  tm.tm_min = time.minute;
  tm.tm_sec = time.second;
  int64_t days = daysFromCivil(time.year, time.month, time.day);
  tm.tm_wday = static_cast<int>(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday
  tm.tm_yday = static_cast<int>(days - daysFromCivil(time.year, 1, 1));
  tm.tm_isdst = -1;
  if (expanded.empty())
    return "";
  std::vector<char> buf(1024 + 256 * expanded.size());
  size_t n = std::strftime(buf.data(), buf.size(), expanded.c_str(), &tm);
  return std::string(buf.data(), n);
}

DictEntries makeGlobals(const std::optional<LocalTime> &now,
                        std::vector<std::shared_ptr<ObjectData>> &namespaces) {
  DictEntries globals;
  globals.emplace_back("raise_exception", Value::callable("raise_exception", [](const CallArgs &a) {
                         Bound b("raise_exception", a, {"message"});
                         fail(b[0] ? toStr(*b[0]) : "raise_exception() called");
                         return Value::none();
                       }));
  globals.emplace_back("strftime_now", Value::callable("strftime_now", [now](const CallArgs &a) {
                         Bound b("strftime_now", a, {"format"});
                         if (!b[0])
                           fail("strftime_now() needs a format");
                         return Value::string(formatTime(strArg("strftime_now", *b[0]),
                                                         now ? *now : currentLocalTime()));
                       }));
  globals.emplace_back("namespace",
                       Value::callable("namespace", [&namespaces](const CallArgs &a) {
                         Value ns = makeNamespace(a);
                         namespaces.push_back(ns.objectShared());
                         return ns;
                       }));
  globals.emplace_back("range", Value::callable("range", makeRange));
  return globals;
}

bool isUnsupportedGlobal(const std::string &name) {
  return name == "dict" || name == "lipsum" || name == "cycler" || name == "joiner";
}

} // namespace inferno::rt::chat
