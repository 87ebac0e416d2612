//===- Quantization.cpp - quantization_config of a checkpoint --------------===//

#include "compiler/frontend/Quantization.h"
#include "compiler/frontend/StatusMacros.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <nlohmann/json.hpp>

#include <regex>

namespace inferno {
namespace {
using json = nlohmann::json;

absl::Status fieldError(const std::string &path, const std::string &field,
                        absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": field 'quantization_config.", field, "' ", problem));
}

absl::StatusOr<std::vector<std::string>> stringList(const json &v, const std::string &path,
                                                    const std::string &field) {
  std::vector<std::string> out;
  if (v.is_null())
    return out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array())
    return fieldError(path, field, "must be a list of strings");
  for (const json &s : v) {
    if (!s.is_string())
      return fieldError(path, field, "must be a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

absl::StatusOr<std::optional<QuantizationArgs>> parseArgs(const json &group, const char *key,
                                                          const std::string &path,
                                                          const std::string &groupName) {
  std::string field = absl::StrCat("config_groups.", groupName, ".", key);
  if (!group.contains(key) || group[key].is_null())
    return std::optional<QuantizationArgs>();
  const json &v = group[key];
  if (!v.is_object())
    return fieldError(path, field, "must be an object or null");
  QuantizationArgs args;
  if (v.contains("num_bits")) {
    if (!v["num_bits"].is_number_integer() || v["num_bits"].get<int64_t>() < 1 ||
        v["num_bits"].get<int64_t>() > 32)
      return fieldError(path, field + ".num_bits", "must be an integer between 1 and 32");
    args.numBits = v["num_bits"].get<int64_t>();
  }
  if (v.contains("type") && !v["type"].is_null()) {
    if (!v["type"].is_string() ||
        (v["type"].get<std::string>() != "int" && v["type"].get<std::string>() != "float"))
      return fieldError(path, field + ".type", "must be \"int\" or \"float\"");
    args.type = v["type"].get<std::string>();
  }
  for (auto [flag, target] : {std::pair{"symmetric", &args.symmetric},
                              std::pair{"dynamic", &args.dynamic}}) {
    if (!v.contains(flag) || v[flag].is_null())
      continue;
    // compressed-tensors also writes dynamic: "local" for per-group activation scales.
    if (v[flag].is_string() && std::string(flag) == "dynamic") {
      *target = true;
      continue;
    }
    if (!v[flag].is_boolean())
      return fieldError(path, field + "." + flag, "must be true or false");
    *target = v[flag].get<bool>();
  }
  if (v.contains("strategy") && !v["strategy"].is_null()) {
    if (!v["strategy"].is_string())
      return fieldError(path, field + ".strategy", "must be a string");
    args.strategy = v["strategy"].get<std::string>();
    static const char *kKnown[] = {"tensor", "channel", "group", "block", "token",
                                   "tensor_group", "attn_head"};
    if (std::find(std::begin(kKnown), std::end(kKnown), args.strategy) == std::end(kKnown))
      return fieldError(path, field + ".strategy",
                        absl::StrCat("is '", args.strategy, "', which is not a known strategy"));
  } else {
    args.strategy = "tensor"; // compressed-tensors' default
  }
  if (v.contains("group_size") && !v["group_size"].is_null()) {
    if (!v["group_size"].is_number_integer() || v["group_size"].get<int64_t>() < 1)
      return fieldError(path, field + ".group_size", "must be a positive integer or null");
    args.groupSize = v["group_size"].get<int64_t>();
  }
  if (args.strategy == "group" && !args.groupSize)
    return fieldError(path, field, "has strategy 'group' but no group_size");
  return std::optional<QuantizationArgs>(args);
}

/// compressed-tensors' matching: exact module name, "re:" regex (Python re.match, anchored at
/// the start only), or the module's class name.
bool matches(const std::string &pattern, const std::string &module,
             const std::string &moduleClass) {
  if (pattern.rfind("re:", 0) == 0) {
    try {
      std::regex re(pattern.substr(3), std::regex::ECMAScript);
      return std::regex_search(module, re, std::regex_constants::match_continuous);
    } catch (const std::regex_error &) {
      return false; // refused when parsing; never reached
    }
  }
  return pattern == module || pattern == moduleClass;
}

absl::Status checkRegexes(const std::vector<std::string> &patterns, const std::string &path,
                          const std::string &field) {
  for (const std::string &p : patterns) {
    if (p.rfind("re:", 0) != 0)
      continue;
    try {
      std::regex re(p.substr(3), std::regex::ECMAScript);
    } catch (const std::regex_error &) {
      return fieldError(path, field, absl::StrCat("holds '", p, "', which is not a valid regex"));
    }
  }
  return absl::OkStatus();
}
} // namespace

std::string QuantizationScheme::schemeName() const {
  if (groups.empty() || !groups.front().weights)
    return format.empty() ? "unknown" : format;
  const QuantizationGroup &g = groups.front();
  const QuantizationArgs &w = *g.weights;
  std::string name = absl::StrCat("w", w.numBits);
  if (g.inputActivations)
    absl::StrAppend(&name, "a", g.inputActivations->numBits);
  else
    absl::StrAppend(&name, "a16");
  absl::StrAppend(&name, "-", w.type == "float" ? absl::StrCat("fp", w.numBits)
                                                : absl::StrCat("int", w.numBits));
  return name;
}

absl::StatusOr<QuantizationScheme> parseQuantizationConfig(const std::string &text,
                                                           const std::string &path) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": field 'quantization_config' must be an object"));
  QuantizationScheme scheme;
  if (!root.contains("quant_method") || !root["quant_method"].is_string())
    return fieldError(path, "quant_method", "is missing or not a string");
  scheme.method = root["quant_method"].get<std::string>();
  if (scheme.method != "compressed-tensors")
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": quantization method '", scheme.method,
        "' is not understood (supported: compressed-tensors)"));
  if (root.contains("format") && root["format"].is_string())
    scheme.format = root["format"].get<std::string>();
  if (root.contains("ignore"))
    INFERNO_ASSIGN_OR_RETURN(scheme.ignore, stringList(root["ignore"], path, "ignore"));
  INFERNO_RETURN_IF_ERROR(checkRegexes(scheme.ignore, path, "ignore"));
  if (root.contains("kv_cache_scheme") && !root["kv_cache_scheme"].is_null())
    scheme.kvCacheScheme = root["kv_cache_scheme"].dump();

  if (!root.contains("config_groups") || !root["config_groups"].is_object() ||
      root["config_groups"].empty())
    return fieldError(path, "config_groups", "is missing or empty");
  for (auto it = root["config_groups"].begin(); it != root["config_groups"].end(); ++it) {
    const json &g = it.value();
    std::string field = absl::StrCat("config_groups.", it.key());
    if (!g.is_object())
      return fieldError(path, field, "must be an object");
    QuantizationGroup group;
    group.name = it.key();
    if (!g.contains("targets"))
      return fieldError(path, field + ".targets", "is missing");
    INFERNO_ASSIGN_OR_RETURN(group.targets, stringList(g["targets"], path, field + ".targets"));
    INFERNO_RETURN_IF_ERROR(checkRegexes(group.targets, path, field + ".targets"));
    INFERNO_ASSIGN_OR_RETURN(group.weights, parseArgs(g, "weights", path, it.key()));
    INFERNO_ASSIGN_OR_RETURN(group.inputActivations,
                             parseArgs(g, "input_activations", path, it.key()));
    scheme.groups.push_back(std::move(group));
  }
  return scheme;
}

absl::Status checkCompilable(const QuantizationScheme &scheme, const std::string &path) {
  auto refuse = [&](const std::string &field, const std::string &value, const char *why) {
    return absl::UnimplementedError(absl::StrCat(path, ": field 'quantization_config.", field,
                                                 "' is ", value, ": ", why));
  };
  constexpr const char *kOnly =
      "only compressed-tensors int-quantized w8a8 int8 (symmetric per-channel int8 weights, "
      "dynamic per-token int8 activations) can be compiled so far";
  if (scheme.format == "float-quantized")
    return refuse("format", "'float-quantized'",
                  "fp8 weights cannot be compiled yet; only int-quantized w8a8 int8 can");
  if (scheme.format == "pack-quantized")
    return refuse("format", "'pack-quantized'",
                  "packed int4 weights cannot be compiled yet; only int-quantized w8a8 int8 can");
  if (scheme.format != "int-quantized")
    return refuse("format", scheme.format.empty() ? "missing" : "'" + scheme.format + "'", kOnly);
  if (scheme.kvCacheScheme)
    return refuse("kv_cache_scheme", scheme.kvCacheScheme->substr(0, 60),
                  "a quantized KV cache cannot be compiled yet");
  for (const QuantizationGroup &g : scheme.groups) {
    const std::string prefix = "config_groups." + g.name + ".";
    if (!g.weights)
      return refuse(prefix + "weights", "null", kOnly);
    const QuantizationArgs &w = *g.weights;
    if (w.type != "int" || w.numBits != 8)
      return refuse(prefix + "weights", absl::StrCat(w.numBits, "-bit ", w.type), kOnly);
    if (w.strategy != "channel")
      return refuse(prefix + "weights.strategy", "'" + w.strategy + "'", kOnly);
    if (!w.symmetric)
      return refuse(prefix + "weights.symmetric", "false", kOnly);
    if (w.dynamic)
      return refuse(prefix + "weights.dynamic", "true", kOnly);
    if (!g.inputActivations)
      return refuse(prefix + "input_activations", "null",
                    "int8 weights with float activations (w8a16) cannot be compiled yet; "
                    "only w8a8 int8 can");
    const QuantizationArgs &a = *g.inputActivations;
    if (a.type != "int" || a.numBits != 8)
      return refuse(prefix + "input_activations", absl::StrCat(a.numBits, "-bit ", a.type), kOnly);
    if (a.strategy != "token")
      return refuse(prefix + "input_activations.strategy", "'" + a.strategy + "'", kOnly);
    if (!a.dynamic)
      return refuse(prefix + "input_activations.dynamic", "false",
                    "static activation scales cannot be compiled yet; only dynamic per-token");
    if (!a.symmetric)
      return refuse(prefix + "input_activations.symmetric", "false", kOnly);
  }
  return absl::OkStatus();
}

int quantizationGroupOf(const QuantizationScheme &scheme, const std::string &module,
                        const std::string &moduleClass) {
  for (const std::string &pattern : scheme.ignore)
    if (matches(pattern, module, moduleClass))
      return -1;
  for (size_t i = 0; i < scheme.groups.size(); ++i)
    for (const std::string &target : scheme.groups[i].targets)
      if (matches(target, module, moduleClass))
        return static_cast<int>(i);
  return -1;
}

} // namespace inferno
