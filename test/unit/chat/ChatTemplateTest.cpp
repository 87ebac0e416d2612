//===- ChatTemplateTest.cpp - the Jinja2 subset behind chat templates -----===//
//
// Expected strings below are what Python's jinja2 (3.1, in the environment HF uses) renders;
// test/chat/ compares whole templates against jinja2 itself.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/ChatTemplate.h"
#include "runtime/chat/Lexer.h"
#include "runtime/chat/Text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace inferno::rt::chat;
using json = nlohmann::ordered_json;

namespace {

/// Renders `source` with `variables` (messages default to an empty list); returns the text or
/// "ERROR: message".
std::string render(const std::string &source, json variables = json::object(),
                   RenderOptions options = {}) {
  auto chat = ChatTemplate::fromString(source);
  if (!chat)
    return "ERROR: " + chat.error().message;
  json messages = json::array();
  if (variables.contains("messages")) {
    messages = variables["messages"];
    variables.erase("messages");
  }
  options.extraVariables = variables;
  auto text = chat->render(messages, options);
  return text ? *text : "ERROR: " + text.error().message;
}

//===--- Lexer and whitespace control --------------------------------------===//

TEST(ChatLexer, SplitsTextAndTags) {
  auto tokens = tokenize("a{{ x.y }}b{% if z %}c{% endif %}");
  std::vector<TokenKind> kinds;
  for (const Token &t : tokens)
    kinds.push_back(t.kind);
  std::vector<TokenKind> expected = {
      TokenKind::Data,     TokenKind::VariableBegin, TokenKind::Name,     TokenKind::Operator,
      TokenKind::Name,     TokenKind::VariableEnd,   TokenKind::Data,     TokenKind::BlockBegin,
      TokenKind::Name,     TokenKind::Name,          TokenKind::BlockEnd, TokenKind::Data,
      TokenKind::BlockBegin, TokenKind::Name,        TokenKind::BlockEnd, TokenKind::End};
  EXPECT_EQ(kinds, expected);
}

TEST(ChatLexer, StringLiteralsUsePythonEscapes) {
  auto tokens = tokenize(R"({{ 'a\n\t\x41\u00e9\101\d' "it's" }})");
  ASSERT_EQ(tokens[1].kind, TokenKind::String);
  EXPECT_EQ(tokens[1].text, "a\n\tA\xC3\xA9" "A\\d");
  EXPECT_EQ(tokens[2].text, "it's");
}

TEST(ChatWhitespace, TrimBlocksDropsOneNewlineAfterBlockTags) {
  EXPECT_EQ(render("{% if true %}\nA\n{% endif %}\nB"), "A\nB");
  // Not after {{ }}.
  EXPECT_EQ(render("{{ 1 }}\nA"), "1\nA");
  // Comments too.
  EXPECT_EQ(render("{# c #}\nA"), "A");
}

TEST(ChatWhitespace, LstripBlocksDropsIndentBeforeBlockTags) {
  EXPECT_EQ(render("  {% if true %}\n  x\n  {% endif %}\n  y  \n"), "  x\n  y  ");
  // Any Unicode whitespace counts (jinja2 3.x tests with \s+).
  EXPECT_EQ(render("a\n \xC2\xA0\t{% if true %}b{% endif %}"), "a\nb");
  // Only when the tag starts the line.
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  // Never before {{ }}.
  EXPECT_EQ(render("a\n  {{ 1 }}"), "a\n  1");
}

TEST(ChatWhitespace, MinusAndPlusModifiers) {
  EXPECT_EQ(render("a  {%- if true -%}  \n b \n {%- endif %}\n\nc"), "ab\nc");
  EXPECT_EQ(render("{{ 'a' -}}  \n b"), "ab");
  EXPECT_EQ(render("x\xC2\xA0 {%- if 1 %}y{% endif -%}\xE3\x80\x80 z"), "xyz");
  // {%+ keeps the indentation, +%} keeps the newline.
  EXPECT_EQ(render("a\n  {%+ if true %}\nb{% endif +%}\nc"), "a\n  b\nc");
  EXPECT_EQ(render("a\n  {#- c -#}  \n b"), "ab");
}

TEST(ChatWhitespace, NewlinesAreNormalizedAndOneTrailingNewlineDropped) {
  EXPECT_EQ(render("x\r\ny {% if true %}\r\nz{% endif %}\r\n"), "x\ny z");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

//===--- Expressions ------------------------------------------------------===//

TEST(ChatExpressions, FiltersBindTighterThanOperators) {
  json vars = {{"x", "  b  "}};
  EXPECT_EQ(render("{{ '[' + x | trim + ']' }}", vars), "[b]");
  EXPECT_EQ(render("{{ not x is defined }}|{{ y is not defined }}", vars), "False|True");
  EXPECT_EQ(render("{{ -3 | abs }}"), "3"); // (-3)|abs
  EXPECT_EQ(render("{{ 2 ** 3 ** 2 }}"), "64"); // left-associative in Jinja
}

TEST(ChatExpressions, PythonArithmetic) {
  EXPECT_EQ(render("{{ 1/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 7 % -3 }}"),
            "0.5 2.0 3 -4 2 -2");
  EXPECT_EQ(render("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** -1 }} {{ true + true }}"),
            "3.0 0.5 0.5 2");
  EXPECT_EQ(render("{{ 1e16 }} {{ 1.5e-5 }} {{ 0.1 + 0.2 }} {{ 1e15 }} {{ -0.0 }}"),
            "1e+16 1.5e-05 0.30000000000000004 1000000000000000.0 -0.0");
  EXPECT_EQ(render("{{ 'ab' * 2 }} {{ [1] * 2 }} {{ 'a' ~ 1 ~ none ~ true }}"),
            "abab [1, 1] a1NoneTrue");
  EXPECT_EQ(render("{{ 1 / 0 }}"), "ERROR: chat template line 1: division by zero");
  EXPECT_EQ(render("{{ 'a' + 1 }}"),
            "ERROR: chat template line 1: can only concatenate str (not \"int\") to str");
}

TEST(ChatExpressions, ComparisonsAndMembership) {
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ true == 1 }}"),
            "True False True True");
  EXPECT_EQ(render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' not in 'y' }}"),
            "True True True True");
  EXPECT_EQ(render("{{ 'a' in nope }}"), "False"); // Undefined iterates as empty
  EXPECT_EQ(render("{{ 1 < 'a' }}").rfind("ERROR: chat template line 1: '<' not supported", 0),
            0u);
}

TEST(ChatExpressions, StringsIndexByCodePoint) {
  json vars = {{"s", "h\xC3\xA9llo"}};
  EXPECT_EQ(render("{{ s[1] }}|{{ s[1:3] }}|{{ s[::-1] }}|{{ s | length }}|{{ s[9] }}", vars),
            "\xC3\xA9|\xC3\xA9l|oll\xC3\xA9h|5|");
}

TEST(ChatExpressions, AttributesAndSubscripts) {
  json vars = {{"messages", json::array({{{"role", "user"}, {"content", "hi"}}})},
               {"d", {{"items", 1}}}};
  EXPECT_EQ(render("{{ messages[0].role }}{{ messages[0]['content'] }}{{ messages[-1].nope }}|",
                   vars),
            "userhi|");
  EXPECT_EQ(render("{{ messages[1:] | length }}{{ messages[5] is defined }}", vars), "0False");
  EXPECT_EQ(render("{{ messages[0].nope.x }}", vars),
            "ERROR: chat template line 1: 'dict object' has no attribute 'nope'");
}

TEST(ChatExpressions, MethodsUsedByTemplates) {
  EXPECT_EQ(render("{{ 'a</think>b</think>c'.split('</think>')[-1] }}"), "c");
  EXPECT_EQ(render("{{ ' a b  '.split() }}{{ 'a,b'.split(',', 1) }}"), "['a', 'b']['a', 'b']");
  EXPECT_EQ(render("{{ '\xC2\xA0x\xE3\x80\x80'.strip() }}|{{ 'xxaxx'.strip('x') }}"), "x|a");
  EXPECT_EQ(render("{{ 'abc'.startswith('a') }}{{ 'abc'.endswith(('x', 'c')) }}"), "TrueTrue");
  EXPECT_EQ(render("{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('b', 2) }}"), "12");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
            "a=1;b=2;");
}

TEST(ChatExpressions, Literals) {
  EXPECT_EQ(render("{{ [1, 'a', none, True, 1.0] }} {{ {'a': 1} }} {{ (1,) }} {{ 'a' 'b' }}"),
            "[1, 'a', None, True, 1.0] {'a': 1} (1,) ab");
  EXPECT_EQ(render("{{ 1_000 + 1 }} {{ false }} {{ None }}"), "1001 False None");
}

TEST(ChatExpressions, ConstantFoldingLikeJinja) {
  // jinja2 evaluates constant expressions at compile time, slicing through getitem (a bad
  // slice is Undefined there); at render time a bad slice raises.
  EXPECT_EQ(render("[{{ (1)[1:] }}]"), "[]");
  EXPECT_EQ(render("[{{ (2 < 1 < n)[1:] }}]", {{"n", 3}}), "[]"); // short-circuit folds
  EXPECT_EQ(render("{{ n[1:] }}", {{"n", 1}}),
            "ERROR: chat template line 1: 'int' object is not subscriptable");
}

TEST(ChatExpressions, ConditionalAndBooleanOperators) {
  EXPECT_EQ(render("{{ 'a' if false }}|{{ 'a' if 0 else 'b' }}|{{ 0 or 'x' }}|{{ 1 and [] }}"),
            "|b|x|[]");
}

TEST(ChatFilters, CommonFilters) {
  EXPECT_EQ(render("{{ '  x ' | trim }}|{{ 'xax' | trim('x') }}|{{ [1, 2] | length }}"),
            "x|a|2");
  EXPECT_EQ(render("{{ nope | default('d') }}{{ '' | default('d') }}{{ '' | default('d', true) }}"),
            "dd");
  EXPECT_EQ(render("{{ ['a', 'b', 'c'] | reject('equalto', 'b') | join(', ') }}"), "a, c");
  EXPECT_EQ(render("{{ {'a': 1} | items | list }}"), "[('a', 1)]");
  EXPECT_EQ(render("{{ 'Hi' | upper }}{{ 'Hi' | lower }}{{ 'a-a' | replace('a', 'b') }}"),
            "HIhib-b");
  // select/reject/items return generators in Jinja: printing one is refused, not imitated.
  EXPECT_EQ(render("{{ [1] | reject('none') }}"),
            "ERROR: chat template line 1: printing a generator object is not supported (Python "
            "prints its address; convert it with |list)");
}

TEST(ChatFilters, TojsonIsHuggingFaceStyle) {
  json vars = {{"x", {{"b", "\xC3\xA9<\n"}, {"a", json::array({1, 2.5, nullptr, true})}}}};
  EXPECT_EQ(render("{{ x | tojson }}", vars),
            "{\"b\": \"\xC3\xA9<\\n\", \"a\": [1, 2.5, null, true]}");
  EXPECT_EQ(render("{{ x | tojson(indent=2, sort_keys=true) }}", vars),
            "{\n  \"a\": [\n    1,\n    2.5,\n    null,\n    true\n  ],\n  \"b\": \"\xC3\xA9<\\n\"\n}");
  EXPECT_EQ(render("{{ {} | tojson(indent=4) }}{{ 'a' | tojson(ensure_ascii=true) }}"),
            "{}\"a\"");
  EXPECT_EQ(render("{{ nope | tojson }}"),
            "ERROR: chat template line 1: Object of type Undefined is not JSON serializable");
}

//===--- Statements -------------------------------------------------------===//

TEST(ChatLoops, LoopVariables) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}"
                   "{{ loop.last }}{{ loop.length }};{% endfor %}"),
            "01TrueFalse3;12FalseFalse3;23FalseTrue3;");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}-"
                   "{{ loop.revindex }}-{{ loop.cycle('a', 'b') }};{% endfor %}"),
            "-2-3-a;1-3-2-b;2--1-a;");
  EXPECT_EQ(render("{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}/{{ loop.length }} "
                   "{% endfor %}"),
            "1/2 2/2 ");
}

TEST(ChatLoops, ElseBreakContinue) {
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}"
                   "{% endfor %}"),
            "1");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}"
                   "{% endfor %}"),
            "13");
  // Jinja runs the else block unless some iteration reached the end of the body.
  EXPECT_EQ(render("{% for x in [1, 2] %}{{ x }}{% break %}{% else %}E{% endfor %}"), "1E");
}

TEST(ChatLoops, ScopingNeedsNamespaces) {
  // A set inside a loop body lives for one iteration and never leaks out.
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2, 3] %}{{ x }}{% set x = x + 1 %}"
                   "{% endfor %}{{ x }}"),
            "1111");
  // A set at the top level, even inside if, stays.
  EXPECT_EQ(render("{% if true %}{% set y = 3 %}{% endif %}{{ y }}"), "3");
  // namespace() attributes carry state out of loops.
  EXPECT_EQ(render("{% set ns = namespace(total=0, seen=false) %}{% for i in [1, 2, 3] %}"
                   "{% set ns.total = ns.total + i %}{% set ns.seen = true %}{% endfor %}"
                   "{{ ns.total }} {{ ns.seen }} {{ ns.nope is defined }}"),
            "6 True False");
  EXPECT_EQ(render("{% set x = [1] %}{% set x.y = 1 %}"),
            "ERROR: chat template line 1: cannot assign attribute on non-namespace object");
  // Top-level sets shadow render variables from then on.
  EXPECT_EQ(render("{{ messages | length }}{% set messages = messages[1:] %}"
                   "{{ messages | length }}",
                   {{"messages", json::array({json::object(), json::object()})}}),
            "21");
}

TEST(ChatLoops, ScopesAreDecidedWhenTheTemplateLoads) {
  // jinja2 decides scopes at compile time: `n` is assigned at the top level, so the top-level
  // `n` exists (undefined) from the start and hides the render variable inside the loop.
  EXPECT_EQ(render("{% for i in [1] %}[{{ n }}]{% endfor %}{% set n = 1 %}", {{"n", 3}}), "[]");
  // Read at the top level first: the render variable is used until the assignment.
  EXPECT_EQ(render("{{ n }}{% for i in [1] %}{{ n }}{% endfor %}{% set n = 1 %}{{ n }}",
                   {{"n", 3}}),
            "331");
  // Assigned in only some branches: the render variable stays visible.
  EXPECT_EQ(render("{% for i in [1] %}{{ n }}{% endfor %}{% if false %}{% set n = 5 %}"
                   "{% else %}{% set n = 6 %}{% endif %}",
                   {{"n", 3}}),
            "3");
}

TEST(ChatLoops, FiltersRunLazily) {
  // The condition of the next item runs after the body (or when loop.last looks ahead).
  EXPECT_EQ(render("{% set ns = namespace(go=true) %}{% for x in [1, 2, 3] if ns.go %}{{ x }}"
                   "{% set ns.go = false %}{% endfor %}"),
            "1");
  EXPECT_EQ(render("{% set ns = namespace(go=true) %}{% for x in [1, 2, 3] if ns.go %}{{ x }}"
                   "{{ loop.last }}{% set ns.go = false %}{% endfor %}"),
            "1False2True");
  // bool(loop) is len(loop): every remaining item is filtered before the body goes on.
  EXPECT_EQ(render("{% set ns = namespace(go=true) %}{% for x in [1, 2, 3] if ns.go %}"
                   "{% if loop %}{% set ns.go = false %}{% endif %}{{ x }}{% endfor %}"),
            "123");
}

TEST(ChatStatements, SetForms) {
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set x %}abc{{ 1 }}{% endset %}[{{ x }}]"), "[abc1]");
  EXPECT_EQ(render("{% generation %}A{% endgeneration %}"), "A");
}

//===--- Globals, configuration and errors --------------------------------===//

TEST(ChatGlobals, StrftimeNowUsesTheFixedClock) {
  RenderOptions options;
  options.now = LocalTime{2024, 7, 26};
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y (%a) %j') }}", json::object(), options),
            "26 Jul 2024 (Fri) 208");
}

TEST(ChatGlobals, HfVariables) {
  RenderOptions options;
  options.bosToken = "<s>";
  options.addGenerationPrompt = true;
  EXPECT_EQ(render("{{ bos_token }}{{ eos_token is defined }}{{ add_generation_prompt }}"
                   "{{ tools is none }}{{ documents is none }}",
                   json::object(), options),
            "<s>FalseTrueTrueTrue");
}

TEST(ChatErrors, UnsupportedConstructsNameTheLine) {
  EXPECT_EQ(render("a\nb\n{{ x | dictsort }}"),
            "ERROR: chat template line 3: unsupported filter 'dictsort'");
  EXPECT_EQ(render("{% macro m() %}{% endmacro %}"),
            "ERROR: chat template line 1: unsupported statement 'macro'");
  EXPECT_EQ(render("\n{{ x is callable }}"),
            "ERROR: chat template line 2: unsupported test 'callable'");
  EXPECT_EQ(render("{{ '%s' % 1 }}"),
            "ERROR: chat template line 1: printf-style string formatting ('...' % value) is not "
            "supported");
  EXPECT_EQ(render("{{ 'ß' | upper }}"),
            "ERROR: chat template line 1: upper on non-ASCII text is not supported (Python "
            "applies Unicode case rules)");
}

TEST(ChatErrors, SyntaxAndRuntimeErrors) {
  EXPECT_EQ(render("{% if true %}"),
            "ERROR: chat template line 1: unexpected end of template: expected 'elif' or "
            "'else' or 'endif'");
  EXPECT_EQ(render("x\n{{ 1 "), "ERROR: chat template line 2: unexpected end of template: "
                                "missing '}}'");
  EXPECT_EQ(render("{# open"), "ERROR: chat template line 1: unclosed comment (missing '#}')");
  EXPECT_EQ(render("\n\n{{ raise_exception('No system role!') }}"),
            "ERROR: chat template line 3: No system role!");
  EXPECT_EQ(render("{{ foo(1) }}"), "ERROR: chat template line 1: 'foo' is undefined");
  EXPECT_EQ(render("{% break %}"), "ERROR: chat template line 1: 'break' outside of a loop");
}

TEST(ChatConfig, ReadsTokenizerConfigs) {
  // mkdtemp: a pid-based name could meet files left by an earlier process with that pid.
  std::string pattern =
      (std::filesystem::temp_directory_path() / "inferno-chat-test-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  std::filesystem::path dir = pattern;
  auto write = [&](const std::string &name, const json &value) {
    std::ofstream(dir / name) << value.dump();
  };
  write("tokenizer_config.json",
        {{"bos_token", {{"__type", "AddedToken"}, {"content", "<B>"}}},
         {"eos_token", "<E>"},
         {"unk_token", nullptr},
         {"chat_template", json::array({{{"name", "tool_use"}, {"template", "T"}},
                                        {{"name", "default"},
                                         {"template", "{{ bos_token }}{{ messages[0].content }}"
                                                      "{{ eos_token }}{{ unk_token is defined }}"}}})}});
  auto chat = ChatTemplate::fromTokenizerDir(dir.string());
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  auto text = chat->render(std::vector<Message>{{"user", "hi"}}, chat->defaultOptions());
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "<B>hi<E>False");

  // chat_template.jinja takes priority over the config's entry, as in transformers.
  std::ofstream(dir / "chat_template.jinja") << "J{{ bos_token }}\n";
  chat = ChatTemplate::fromTokenizerDir(dir.string());
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  EXPECT_EQ(*chat->render(std::vector<Message>{}, chat->defaultOptions()), "J<B>");
  std::filesystem::remove_all(dir);

  auto missing = ChatTemplate::fromTokenizerConfig((dir / "nope.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);
}

TEST(ChatText, FloatReprMatchesPython) {
  EXPECT_EQ(pyFloatRepr(1.0), "1.0");
  EXPECT_EQ(pyFloatRepr(0.1), "0.1");
  EXPECT_EQ(pyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(pyFloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(pyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(pyFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(pyFloatRepr(-2.5), "-2.5");
}

} // namespace
