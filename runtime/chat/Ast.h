//===- Ast.h - the syntax tree of a parsed template --------------*- C++ -*-===//
//
// Expressions and statements mirror jinja2.nodes for the supported subset. Each node has a
// kind (the evaluator switches on it) and the template line it came from (for errors).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_AST_H
#define INFERNO_RUNTIME_CHAT_AST_H

#include "runtime/chat/Value.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace inferno::rt::chat {

//===--- Scopes -----------------------------------------------------------===//

/// How a frame gives a name its value when the frame is entered (jinja2's idtracking):
/// a loop target or `loop` bound by the loop (Parameter), the render variable of that name
/// (Resolve), the value the name has in an enclosing frame (Alias), or nothing (Undefined: the
/// frame assigns the name before any read of its own, so reads from nested frames before that
/// assignment see an undefined name even when a render variable has it).
struct FrameLoad {
  enum class Kind { Parameter, Resolve, Alias, Undefined };
  std::string name;
  Kind kind;
  int aliasLevel = -1; // for Alias: the level of the frame read
};

/// A scope of jinja2's compiled code: the template's top level (level 0), a loop body, a loop's
/// else block or filter, a `set` block's body. Frames nest; names live at a frame's level.
struct Frame {
  int level = 0;
  std::vector<FrameLoad> loads; // every name the frame owns
};

//===--- Expressions ------------------------------------------------------===//

struct Expr {
  enum class Kind {
    Literal,  // 1, 'text', true, none
    Name,     // messages
    List,     // [a, b] and (a, b)
    Dict,     // {'k': v}
    GetAttr,  // x.name
    GetItem,  // x[i], x[a:b]
    Slice,    // a:b:c, only as GetItem's index
    Call,     // f(a, k=v)
    Filter,   // x | name(args)
    Test,     // x is name(args), x is not name
    Unary,    // not x, -x, +x
    Binary,   // + - * / // % ** ~ and or
    Compare,  // a < b <= c, a in b, a not in b
    CondExpr, // a if b else c
  };
  Expr(Kind kind, int line) : kind(kind), line(line) {}
  virtual ~Expr() = default;
  Kind kind;
  int line;
};
using ExprPtr = std::unique_ptr<Expr>;

/// Arguments written at a call, filter or test site.
struct ArgExprs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct LiteralExpr : Expr {
  LiteralExpr(Value value, int line) : Expr(Kind::Literal, line), value(std::move(value)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(std::string name, int line) : Expr(Kind::Name, line), name(std::move(name)) {}
  std::string name;
  int level = -1; // the frame the name is read from (set by analyzeScopes)
};

struct ListExpr : Expr {
  ListExpr(bool tuple, int line) : Expr(Kind::List, line), tuple(tuple) {}
  bool tuple;
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(int line) : Expr(Kind::Dict, line) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};

struct GetAttrExpr : Expr {
  GetAttrExpr(ExprPtr object, std::string attribute, int line)
      : Expr(Kind::GetAttr, line), object(std::move(object)), attribute(std::move(attribute)) {}
  ExprPtr object;
  std::string attribute;
};

struct GetItemExpr : Expr {
  GetItemExpr(ExprPtr object, ExprPtr index, int line)
      : Expr(Kind::GetItem, line), object(std::move(object)), index(std::move(index)) {}
  ExprPtr object;
  ExprPtr index; // may be a SliceExpr
};

struct SliceExpr : Expr {
  explicit SliceExpr(int line) : Expr(Kind::Slice, line) {}
  ExprPtr start, stop, step; // each may be null
};

struct CallExpr : Expr {
  CallExpr(ExprPtr callee, int line) : Expr(Kind::Call, line), callee(std::move(callee)) {}
  ExprPtr callee;
  ArgExprs args;
};

struct FilterExpr : Expr {
  FilterExpr(ExprPtr operand, std::string name, int line)
      : Expr(Kind::Filter, line), operand(std::move(operand)), name(std::move(name)) {}
  ExprPtr operand;
  std::string name;
  ArgExprs args;
};

struct TestExpr : Expr {
  TestExpr(ExprPtr operand, std::string name, int line)
      : Expr(Kind::Test, line), operand(std::move(operand)), name(std::move(name)) {}
  ExprPtr operand;
  std::string name;
  ArgExprs args;
};

struct UnaryExpr : Expr {
  UnaryExpr(std::string op, ExprPtr operand, int line)
      : Expr(Kind::Unary, line), op(std::move(op)), operand(std::move(operand)) {}
  std::string op; // "not", "-", "+"
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(std::string op, ExprPtr left, ExprPtr right, int line)
      : Expr(Kind::Binary, line), op(std::move(op)), left(std::move(left)),
        right(std::move(right)) {}
  std::string op; // "+", "-", "*", "/", "//", "%", "**", "~", "and", "or"
  ExprPtr left, right;
};

struct CompareExpr : Expr {
  CompareExpr(ExprPtr first, int line) : Expr(Kind::Compare, line), first(std::move(first)) {}
  ExprPtr first;
  /// ("==", b), ("<", c), ("in", d), ("notin", e): Python's chained comparison.
  std::vector<std::pair<std::string, ExprPtr>> rest;
};

struct CondExpr : Expr {
  CondExpr(ExprPtr test, ExprPtr then, ExprPtr otherwise, int line)
      : Expr(Kind::CondExpr, line), test(std::move(test)), then(std::move(then)),
        otherwise(std::move(otherwise)) {}
  ExprPtr test, then, otherwise; // otherwise may be null (gives Undefined)
};

//===--- Statements -------------------------------------------------------===//

struct Stmt {
  enum class Kind { Text, Output, If, For, Set, SetBlock, Break, Continue, Generation };
  Stmt(Kind kind, int line) : kind(kind), line(line) {}
  virtual ~Stmt() = default;
  Kind kind;
  int line;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

/// The left side of `set` and `for`: one name, several names to unpack, or `ns.attr`.
struct AssignTarget {
  std::vector<std::string> names;
  bool unpack = false;     // `a, b` (or a parenthesized tuple)
  std::string attribute;   // set for `ns.attr`; names then holds just "ns"
  int namespaceLevel = -1; // for `ns.attr`: the frame `ns` is read from
};

struct TextStmt : Stmt {
  TextStmt(std::string text, int line) : Stmt(Kind::Text, line), text(std::move(text)) {}
  std::string text;
};

struct OutputStmt : Stmt {
  OutputStmt(ExprPtr expr, int line) : Stmt(Kind::Output, line), expr(std::move(expr)) {}
  ExprPtr expr;
  /// Set when jinja2 would print this at compile time (see Folding.h).
  std::optional<std::string> constantText;
};

struct IfStmt : Stmt {
  explicit IfStmt(int line) : Stmt(Kind::If, line) {}
  std::vector<std::pair<ExprPtr, Body>> branches; // if, then each elif
  Body otherwise;
};

struct ForStmt : Stmt {
  explicit ForStmt(int line) : Stmt(Kind::For, line) {}
  AssignTarget target;
  ExprPtr iterable;
  ExprPtr filter; // `for x in xs if cond`; may be null
  Body body;
  Body otherwise; // {% else %}: runs when no iteration finished its body
  // Set by analyzeScopes:
  Frame bodyFrame, elseFrame, filterFrame;
  bool usesLoop = false; // the body reads `loop`, so it is bound
};

struct SetStmt : Stmt {
  explicit SetStmt(int line) : Stmt(Kind::Set, line) {}
  AssignTarget target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {
  explicit SetBlockStmt(int line) : Stmt(Kind::SetBlock, line) {}
  AssignTarget target;
  Body body; // rendered to a string and assigned
  Frame bodyFrame;
};

/// `{% break %}` and `{% continue %}` (jinja2.ext.loopcontrols, which HF enables).
struct LoopControlStmt : Stmt {
  LoopControlStmt(Kind kind, int line) : Stmt(kind, line) {}
};

/// HF's `{% generation %}...{% endgeneration %}` marks assistant text for masks; when
/// rendering it outputs its body unchanged.
struct GenerationStmt : Stmt {
  explicit GenerationStmt(int line) : Stmt(Kind::Generation, line) {}
  Body body;
  Frame bodyFrame; // the body is a macro (`caller`) in jinja2, so it has its own frame
};

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_AST_H
