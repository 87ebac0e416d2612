//===- Parser.cpp - tokens to a template syntax tree ----------------------===//
//
// Precedence, loosest first (jinja2.parser): `a if b else c`, or, and, not, comparisons
// (==, !=, <, <=, >, >=, in, not in; chained), + -, ~, * / // %, **, unary - +, then a primary
// with its postfixes (.attr, [index], (call)) followed by filters and tests. Filters and
// tests therefore bind tighter than every binary operator: `'a' + x | trim` trims only x,
// and `not x is defined` is `not (x is defined)`.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Parser.h"

#include "runtime/chat/Builtins.h"
#include "runtime/chat/Lexer.h"
#include "runtime/chat/TemplateError.h"

#include <set>

namespace inferno::rt::chat {

namespace {

std::string describe(const Token &token) {
  switch (token.kind) {
  case TokenKind::Data:
    return "template text";
  case TokenKind::VariableBegin:
    return "'{{'";
  case TokenKind::VariableEnd:
    return "end of print statement ('}}')";
  case TokenKind::BlockBegin:
    return "'{%'";
  case TokenKind::BlockEnd:
    return "end of statement block ('%}')";
  case TokenKind::String:
    return "string literal";
  case TokenKind::Integer:
  case TokenKind::Float:
    return "number " + token.text;
  case TokenKind::End:
    return "end of template";
  default:
    return "'" + token.text + "'";
  }
}

class Parser {
public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body parseTemplate() {
    Body body = parseBody({});
    return body;
  }

private:
  //===--- Token stream ---------------------------------------------------===//

  const Token &current() const { return tokens_[pos_]; }
  const Token &peek(size_t ahead = 1) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token &advance() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  bool isOp(const char *op) const {
    return current().kind == TokenKind::Operator && current().text == op;
  }
  bool isName(const char *name) const {
    return current().kind == TokenKind::Name && current().text == name;
  }
  bool skipOp(const char *op) {
    if (!isOp(op))
      return false;
    advance();
    return true;
  }
  bool skipName(const char *name) {
    if (!isName(name))
      return false;
    advance();
    return true;
  }

  [[noreturn]] void error(const Token &at, const std::string &message) {
    throw TemplateError(at.line, message);
  }
  [[noreturn]] void unexpected(const std::string &expected) {
    error(current(), "expected " + expected + ", got " + describe(current()));
  }
  void expectOp(const char *op) {
    if (!skipOp(op))
      unexpected(std::string("'") + op + "'");
  }
  void expect(TokenKind kind, const char *what) {
    if (current().kind != kind)
      unexpected(what);
    advance();
  }
  void expectBlockEnd() { expect(TokenKind::BlockEnd, "end of statement block ('%}')"); }
  std::string expectName() {
    if (current().kind != TokenKind::Name)
      unexpected("a name");
    return advance().text;
  }

  //===--- Statements -----------------------------------------------------===//

  /// Parses until `{% NAME` with NAME in `ends` (left unconsumed, after the `{%`) or the end
  /// of the template (an error when `ends` is not empty).
  Body parseBody(const std::set<std::string> &ends) {
    Body body;
    while (true) {
      const Token &token = current();
      switch (token.kind) {
      case TokenKind::Data:
        body.push_back(std::make_unique<TextStmt>(token.text, token.line));
        advance();
        break;
      case TokenKind::VariableBegin: {
        advance();
        ExprPtr expr = parseTuple(true, {});
        expect(TokenKind::VariableEnd, "end of print statement ('}}')");
        body.push_back(std::make_unique<OutputStmt>(std::move(expr), token.line));
        break;
      }
      case TokenKind::BlockBegin: {
        const Token &name = peek();
        if (name.kind == TokenKind::Name && ends.count(name.text)) {
          advance(); // leave the name for the caller
          return body;
        }
        advance();
        body.push_back(parseStatement(ends));
        break;
      }
      case TokenKind::End:
        if (!ends.empty()) {
          std::string list;
          for (const auto &end : ends)
            list += (list.empty() ? "'" : " or '") + end + "'";
          error(token, "unexpected end of template: expected " + list);
        }
        return body;
      default:
        error(token, "unexpected " + describe(token));
      }
    }
  }

  /// Bounds recursion, so that absurdly nested input fails instead of exhausting the stack
  /// (jinja2 would hit Python's recursion limit).
  struct DepthGuard {
    explicit DepthGuard(Parser &p) : parser(p) {
      if (++parser.depth_ > 200)
        parser.error(parser.current(), "template nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    Parser &parser;
  };

  StmtPtr parseStatement(const std::set<std::string> &enclosingEnds) {
    DepthGuard guard(*this);
    const Token &token = current();
    if (token.kind != TokenKind::Name)
      unexpected("a statement name");
    const std::string &name = token.text;
    if (name == "if")
      return parseIf();
    if (name == "for")
      return parseFor();
    if (name == "set")
      return parseSet();
    if (name == "break" || name == "continue") {
      if (loopDepth_ == 0)
        error(token, "'" + name + "' outside of a loop");
      advance();
      expectBlockEnd();
      return std::make_unique<LoopControlStmt>(
          name == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, token.line);
    }
    if (name == "generation") {
      advance();
      expectBlockEnd();
      auto stmt = std::make_unique<GenerationStmt>(token.line);
      stmt->body = parseBody({"endgeneration"});
      advance();
      expectBlockEnd();
      return stmt;
    }
    if (name.rfind("end", 0) == 0 || name == "elif" || name == "else") {
      std::string where = enclosingEnds.empty() ? "" : " here";
      error(token, "unexpected '" + name + "'" + where);
    }
    error(token, "unsupported statement '" + name + "'");
  }

  StmtPtr parseIf() {
    auto stmt = std::make_unique<IfStmt>(advance().line);
    while (true) {
      ExprPtr cond = parseTuple(false, {});
      expectBlockEnd();
      Body body = parseBody({"elif", "else", "endif"});
      stmt->branches.emplace_back(std::move(cond), std::move(body));
      std::string end = advance().text;
      if (end == "elif")
        continue;
      if (end == "else") {
        expectBlockEnd();
        stmt->otherwise = parseBody({"endif"});
        advance();
      }
      expectBlockEnd();
      return stmt;
    }
  }

  StmtPtr parseFor() {
    auto stmt = std::make_unique<ForStmt>(advance().line);
    stmt->target = parseAssignTarget(false, {"in"});
    if (!stmt->target.attribute.empty())
      error(current(), "a loop cannot assign to an attribute");
    if (!skipName("in"))
      unexpected("'in'");
    stmt->iterable = parseTuple(false, {"recursive"});
    if (skipName("if"))
      stmt->filter = parseExpression(true);
    if (isName("recursive"))
      error(current(), "unsupported recursive loop");
    expectBlockEnd();
    ++loopDepth_;
    stmt->body = parseBody({"endfor", "else"});
    --loopDepth_;
    if (advance().text == "else") {
      expectBlockEnd();
      stmt->otherwise = parseBody({"endfor"});
      advance();
    }
    expectBlockEnd();
    return stmt;
  }

  StmtPtr parseSet() {
    int line = advance().line;
    AssignTarget target = parseAssignTarget(true, {});
    if (skipOp("=")) {
      auto stmt = std::make_unique<SetStmt>(line);
      stmt->target = std::move(target);
      stmt->value = parseTuple(true, {});
      expectBlockEnd();
      return stmt;
    }
    if (isOp("|"))
      error(current(), "unsupported filter on a block set");
    expectBlockEnd();
    auto stmt = std::make_unique<SetBlockStmt>(line);
    stmt->target = std::move(target);
    stmt->body = parseBody({"endset"});
    advance();
    expectBlockEnd();
    return stmt;
  }

  /// `name`, `a, b`, `(a, b)` or (with `allowAttribute`) `ns.attr`.
  AssignTarget parseAssignTarget(bool allowAttribute, const std::set<std::string> &ends) {
    AssignTarget target;
    if (allowAttribute && current().kind == TokenKind::Name && peek().kind == TokenKind::Operator &&
        peek().text == ".") {
      target.names.push_back(advance().text);
      advance();
      target.attribute = expectName();
      return target;
    }
    bool parens = skipOp("(");
    while (true) {
      if (!target.names.empty()) {
        if (!skipOp(","))
          break;
        target.unpack = true;
      }
      if (current().kind != TokenKind::Name || ends.count(current().text))
        break;
      std::string name = advance().text;
      static const std::set<std::string> constants = {"true", "false", "none",
                                                      "True", "False", "None"};
      if (constants.count(name))
        error(current(), "cannot assign to '" + name + "'");
      target.names.push_back(name);
    }
    if (target.names.empty())
      unexpected("a name to assign to");
    if (parens) {
      expectOp(")");
      target.unpack = true;
    }
    return target;
  }

  //===--- Expressions ----------------------------------------------------===//

  bool isTupleEnd(const std::set<std::string> &ends) const {
    const Token &t = current();
    return t.kind == TokenKind::VariableEnd || t.kind == TokenKind::BlockEnd || isOp(")") ||
           (t.kind == TokenKind::Name && ends.count(t.text));
  }

  /// Expressions separated by commas; more than one (or a trailing comma) makes a tuple.
  ExprPtr parseTuple(bool withCondexpr, const std::set<std::string> &ends,
                     bool explicitParens = false) {
    int line = current().line;
    std::vector<ExprPtr> items;
    bool isTuple = false;
    while (true) {
      if (!items.empty())
        expectOp(",");
      if (isTupleEnd(ends))
        break;
      items.push_back(parseExpression(withCondexpr));
      if (isOp(","))
        isTuple = true;
      else
        break;
    }
    if (!isTuple) {
      if (!items.empty())
        return std::move(items[0]);
      if (!explicitParens)
        unexpected("an expression");
    }
    auto tuple = std::make_unique<ListExpr>(true, line);
    tuple->items = std::move(items);
    return tuple;
  }

  ExprPtr parseExpression(bool withCondexpr = true) {
    DepthGuard guard(*this);
    return withCondexpr ? parseCondexpr() : parseOr();
  }

  ExprPtr parseCondexpr() {
    ExprPtr expr = parseOr();
    while (isName("if")) {
      int line = advance().line;
      ExprPtr test = parseOr();
      ExprPtr otherwise = skipName("else") ? parseCondexpr() : nullptr;
      expr = std::make_unique<CondExpr>(std::move(test), std::move(expr), std::move(otherwise),
                                        line);
    }
    return expr;
  }

  ExprPtr parseOr() {
    ExprPtr left = parseAnd();
    while (isName("or")) {
      int line = advance().line;
      left = std::make_unique<BinaryExpr>("or", std::move(left), parseAnd(), line);
    }
    return left;
  }

  ExprPtr parseAnd() {
    ExprPtr left = parseNot();
    while (isName("and")) {
      int line = advance().line;
      left = std::make_unique<BinaryExpr>("and", std::move(left), parseNot(), line);
    }
    return left;
  }

  ExprPtr parseNot() {
    if (isName("not")) {
      int line = advance().line;
      return std::make_unique<UnaryExpr>("not", parseNot(), line);
    }
    return parseCompare();
  }

  ExprPtr parseCompare() {
    int line = current().line;
    ExprPtr first = parseMath1();
    std::vector<std::pair<std::string, ExprPtr>> rest;
    while (true) {
      if (current().kind == TokenKind::Operator &&
          (isOp("==") || isOp("!=") || isOp("<") || isOp("<=") || isOp(">") || isOp(">="))) {
        std::string op = advance().text;
        rest.emplace_back(op, parseMath1());
      } else if (skipName("in")) {
        rest.emplace_back("in", parseMath1());
      } else if (isName("not") && peek().kind == TokenKind::Name && peek().text == "in") {
        advance();
        advance();
        rest.emplace_back("notin", parseMath1());
      } else {
        break;
      }
    }
    if (rest.empty())
      return first;
    auto cmp = std::make_unique<CompareExpr>(std::move(first), line);
    cmp->rest = std::move(rest);
    return cmp;
  }

  ExprPtr parseMath1() {
    ExprPtr left = parseConcat();
    while (isOp("+") || isOp("-")) {
      const Token &op = advance();
      left = std::make_unique<BinaryExpr>(op.text, std::move(left), parseConcat(), op.line);
    }
    return left;
  }

  ExprPtr parseConcat() {
    ExprPtr left = parseMath2();
    while (isOp("~")) {
      int line = advance().line;
      left = std::make_unique<BinaryExpr>("~", std::move(left), parseMath2(), line);
    }
    return left;
  }

  ExprPtr parseMath2() {
    ExprPtr left = parsePow();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      const Token &op = advance();
      left = std::make_unique<BinaryExpr>(op.text, std::move(left), parsePow(), op.line);
    }
    return left;
  }

  ExprPtr parsePow() {
    ExprPtr left = parseUnary(true);
    while (isOp("**")) { // left-associative in Jinja, unlike Python
      int line = advance().line;
      left = std::make_unique<BinaryExpr>("**", std::move(left), parseUnary(true), line);
    }
    return left;
  }

  ExprPtr parseUnary(bool withFilter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (isOp("-") || isOp("+")) {
      const Token &op = advance();
      node = std::make_unique<UnaryExpr>(op.text, parseUnary(false), op.line);
    } else {
      node = parsePrimary();
    }
    node = parsePostfix(std::move(node));
    if (withFilter)
      node = parseFilterExpr(std::move(node));
    return node;
  }

  ExprPtr parsePrimary() {
    const Token &token = current();
    switch (token.kind) {
    case TokenKind::Name: {
      advance();
      const std::string &n = token.text;
      if (n == "true" || n == "True" || n == "false" || n == "False")
        return std::make_unique<LiteralExpr>(Value::boolean(n == "true" || n == "True"),
                                             token.line);
      if (n == "none" || n == "None")
        return std::make_unique<LiteralExpr>(Value::none(), token.line);
      return std::make_unique<NameExpr>(n, token.line);
    }
    case TokenKind::String: {
      // Adjacent literals concatenate, as in Python.
      std::string text;
      while (current().kind == TokenKind::String)
        text += advance().text;
      return std::make_unique<LiteralExpr>(Value::string(std::move(text)), token.line);
    }
    case TokenKind::Integer:
      advance();
      return std::make_unique<LiteralExpr>(Value::integer(token.intValue), token.line);
    case TokenKind::Float:
      advance();
      return std::make_unique<LiteralExpr>(Value::floating(token.floatValue), token.line);
    case TokenKind::Operator:
      if (isOp("(")) {
        advance();
        ExprPtr inner = parseTuple(true, {}, true);
        expectOp(")");
        return inner;
      }
      if (isOp("["))
        return parseList();
      if (isOp("{"))
        return parseDict();
      break;
    default:
      break;
    }
    error(token, "unexpected " + describe(token));
  }

  ExprPtr parseList() {
    auto list = std::make_unique<ListExpr>(false, advance().line);
    while (!isOp("]")) {
      if (!list->items.empty()) {
        expectOp(",");
        if (isOp("]"))
          break;
      }
      list->items.push_back(parseExpression());
    }
    advance();
    return list;
  }

  ExprPtr parseDict() {
    auto dict = std::make_unique<DictExpr>(advance().line);
    while (!isOp("}")) {
      if (!dict->entries.empty()) {
        expectOp(",");
        if (isOp("}"))
          break;
      }
      ExprPtr key = parseExpression();
      expectOp(":");
      dict->entries.emplace_back(std::move(key), parseExpression());
    }
    advance();
    return dict;
  }

  ExprPtr parsePostfix(ExprPtr node) {
    while (true) {
      if (isOp(".")) {
        int line = advance().line;
        const Token &attr = current();
        if (attr.kind == TokenKind::Name) {
          advance();
          node = std::make_unique<GetAttrExpr>(std::move(node), attr.text, line);
        } else if (attr.kind == TokenKind::Integer) {
          advance();
          node = std::make_unique<GetItemExpr>(
              std::move(node), std::make_unique<LiteralExpr>(Value::integer(attr.intValue), line),
              line);
        } else {
          unexpected("a name or number after '.'");
        }
      } else if (isOp("[")) {
        // `x[a]`; `x[]` and `x[a, b]` index with a tuple, as in jinja2.
        int line = advance().line;
        std::vector<ExprPtr> indexes;
        while (!isOp("]")) {
          if (!indexes.empty())
            expectOp(",");
          indexes.push_back(parseSubscribed());
        }
        advance();
        ExprPtr index;
        if (indexes.size() == 1) {
          index = std::move(indexes[0]);
        } else {
          for (const ExprPtr &part : indexes)
            if (part->kind == Expr::Kind::Slice)
              error(current(), "unsupported subscript with several slices");
          auto tuple = std::make_unique<ListExpr>(true, line);
          tuple->items = std::move(indexes);
          index = std::move(tuple);
        }
        node = std::make_unique<GetItemExpr>(std::move(node), std::move(index), line);
      } else if (isOp("(")) {
        node = parseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  /// An index or a slice `start:stop:step` with any part left out.
  ExprPtr parseSubscribed() {
    int line = current().line;
    ExprPtr start;
    if (!isOp(":")) {
      start = parseExpression();
      if (!isOp(":"))
        return start;
    }
    advance(); // ':'
    auto slice = std::make_unique<SliceExpr>(line);
    slice->start = std::move(start);
    if (!isOp(":") && !isOp("]") && !isOp(","))
      slice->stop = parseExpression();
    if (skipOp(":") && !isOp("]") && !isOp(","))
      slice->step = parseExpression();
    return slice;
  }

  ArgExprs parseArgs() {
    ArgExprs args;
    advance(); // '('
    bool needComma = false;
    while (!isOp(")")) {
      if (needComma) {
        expectOp(",");
        if (isOp(")"))
          break;
      }
      if (isOp("*") || isOp("**"))
        error(current(), "unsupported '" + current().text + "' argument unpacking");
      if (current().kind == TokenKind::Name && peek().kind == TokenKind::Operator &&
          peek().text == "=") {
        std::string key = advance().text;
        advance();
        args.keyword.emplace_back(key, parseExpression());
      } else {
        if (!args.keyword.empty())
          error(current(), "positional argument after a keyword argument");
        args.positional.push_back(parseExpression());
      }
      needComma = true;
    }
    advance();
    return args;
  }

  ExprPtr parseCall(ExprPtr callee) {
    auto call = std::make_unique<CallExpr>(std::move(callee), current().line);
    call->args = parseArgs();
    return call;
  }

  ExprPtr parseFilterExpr(ExprPtr node) {
    while (true) {
      if (isOp("|")) {
        advance();
        const Token &name = current();
        std::string filter = expectName();
        if (isOp("."))
          error(name, "unsupported filter '" + filter + ".'...");
        if (!isSupportedFilter(filter))
          error(name, "unsupported filter '" + filter + "'");
        auto f = std::make_unique<FilterExpr>(std::move(node), filter, name.line);
        if (isOp("("))
          f->args = parseArgs();
        node = std::move(f);
      } else if (isName("is")) {
        node = parseTest(std::move(node));
      } else if (isOp("(")) {
        node = parseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parseTest(ExprPtr node) {
    int line = advance().line; // 'is'
    bool negated = skipName("not");
    const Token &nameToken = current();
    std::string name = expectName();
    if (isOp("."))
      error(nameToken, "unsupported test '" + name + ".'...");
    if (!isSupportedTest(name))
      error(nameToken, "unsupported test '" + name + "'");
    auto test = std::make_unique<TestExpr>(std::move(node), name, line);
    // A test takes arguments in parentheses, or one bare argument: `x is divisibleby 3`.
    const Token &t = current();
    if (isOp("(")) {
      test->args = parseArgs();
    } else if ((t.kind == TokenKind::Name || t.kind == TokenKind::String ||
                t.kind == TokenKind::Integer || t.kind == TokenKind::Float || isOp("[") ||
                isOp("{")) &&
               !(t.kind == TokenKind::Name &&
                 (t.text == "else" || t.text == "or" || t.text == "and"))) {
      if (isName("is"))
        error(t, "cannot chain tests with 'is'");
      test->args.positional.push_back(parsePostfix(parsePrimary()));
    }
    if (negated)
      return std::make_unique<UnaryExpr>("not", std::move(test), line);
    return test;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int loopDepth_ = 0;
  int depth_ = 0;
};

} // namespace

Body parseTemplate(const std::string &source) { return Parser(tokenize(source)).parseTemplate(); }

} // namespace inferno::rt::chat
