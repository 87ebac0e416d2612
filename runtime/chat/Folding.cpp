//===- Folding.cpp - jinja2's compile-time constant folding ---------------===//

#include "runtime/chat/Folding.h"

#include "runtime/chat/Builtins.h"
#include "runtime/chat/Operators.h"
#include "runtime/chat/TemplateError.h"

namespace inferno::rt::chat {

namespace {

/// jinja2's nodes.Impossible: the expression cannot be evaluated at compile time.
struct Impossible {};

/// Filters that need the render context cannot run at compile time (jinja2's @pass_context).
bool needsContext(const std::string &filter) {
  return filter == "map" || filter == "select" || filter == "reject" ||
         filter == "selectattr" || filter == "rejectattr";
}

Value constant(const Expr &expr);

CallArgs constantArgs(const ArgExprs &args) {
  CallArgs out;
  for (const ExprPtr &arg : args.positional)
    out.positional.push_back(constant(*arg));
  for (const auto &[key, arg] : args.keyword)
    out.keyword.emplace_back(key, constant(*arg));
  return out;
}

Value constantSlice(const Value &object, const SliceExpr &slice) {
  auto part = [](const ExprPtr &p) { return p ? constant(*p) : Value::none(); };
  Value start = part(slice.start), stop = part(slice.stop), step = part(slice.step);
  try {
    return sliceValue(object, start, stop, step);
  } catch (const TemplateError &) {
    // environment.getitem turns the TypeError of a bad slice into Undefined; Undefined's own
    // error and a zero step's ValueError propagate (and make folding impossible).
    if (object.isUndefined() || ((step.isInt() || step.isBool()) && step.asInt() == 0))
      throw Impossible{};
    return Value::undefined(describeType(object) + " object has no element (a slice)");
  }
}

/// jinja2's Expr.as_const.
Value constantInner(const Expr &expr) {
  switch (expr.kind) {
  case Expr::Kind::Literal:
    return static_cast<const LiteralExpr &>(expr).value;
  case Expr::Kind::Name:
  case Expr::Kind::Call:
  case Expr::Kind::Slice:
    throw Impossible{};
  case Expr::Kind::List: {
    const auto &e = static_cast<const ListExpr &>(expr);
    ValueList items;
    for (const ExprPtr &item : e.items)
      items.push_back(constant(*item));
    return Value::list(std::move(items), e.tuple ? Value::Flavor::Tuple : Value::Flavor::List);
  }
  case Expr::Kind::Dict: {
    DictEntries entries;
    for (const auto &[keyExpr, valueExpr] : static_cast<const DictExpr &>(expr).entries) {
      Value key = constant(*keyExpr);
      if (!key.isString())
        throw Impossible{}; // refused at render time
      Value value = constant(*valueExpr);
      bool replaced = false;
      for (auto &entry : entries)
        if (entry.first == key.asString()) {
          entry.second = value;
          replaced = true;
        }
      if (!replaced)
        entries.emplace_back(key.asString(), std::move(value));
    }
    return Value::dict(std::move(entries));
  }
  case Expr::Kind::GetAttr: {
    const auto &e = static_cast<const GetAttrExpr &>(expr);
    return getAttr(constant(*e.object), e.attribute);
  }
  case Expr::Kind::GetItem: {
    const auto &e = static_cast<const GetItemExpr &>(expr);
    Value object = constant(*e.object);
    if (e.index->kind == Expr::Kind::Slice)
      return constantSlice(object, static_cast<const SliceExpr &>(*e.index));
    return getItem(object, constant(*e.index));
  }
  case Expr::Kind::Filter: {
    const auto &e = static_cast<const FilterExpr &>(expr);
    if (needsContext(e.name))
      throw Impossible{};
    Value input = constant(*e.operand);
    return applyFilter(e.name, input, constantArgs(e.args));
  }
  case Expr::Kind::Test: {
    const auto &e = static_cast<const TestExpr &>(expr);
    Value input = constant(*e.operand);
    return Value::boolean(applyTest(e.name, input, constantArgs(e.args)));
  }
  case Expr::Kind::Unary: {
    const auto &e = static_cast<const UnaryExpr &>(expr);
    Value operand = constant(*e.operand);
    return e.op == "not" ? Value::boolean(!truthy(operand)) : unaryOp(e.op, operand);
  }
  case Expr::Kind::Binary: {
    const auto &e = static_cast<const BinaryExpr &>(expr);
    Value left = constant(*e.left);
    if (e.op == "and")
      return truthy(left) ? constant(*e.right) : left;
    if (e.op == "or")
      return truthy(left) ? left : constant(*e.right);
    return binaryOp(e.op, left, constant(*e.right));
  }
  case Expr::Kind::Compare: {
    const auto &e = static_cast<const CompareExpr &>(expr);
    Value left = constant(*e.first);
    for (const auto &[op, rightExpr] : e.rest) {
      Value right = constant(*rightExpr);
      if (!compareOp(op, left, right))
        return Value::boolean(false);
      left = std::move(right);
    }
    return Value::boolean(true);
  }
  case Expr::Kind::CondExpr: {
    const auto &e = static_cast<const CondExpr &>(expr);
    if (truthy(constant(*e.test)))
      return constant(*e.then);
    if (!e.otherwise)
      throw Impossible{};
    return constant(*e.otherwise);
  }
  }
  throw Impossible{};
}

Value constant(const Expr &expr) {
  try {
    return constantInner(expr);
  } catch (const TemplateError &) {
    throw Impossible{}; // any failure leaves the expression to render time
  } catch (const std::bad_alloc &) {
    throw Impossible{};
  }
}

std::optional<Value> tryConstant(const Expr &expr) {
  try {
    return constant(expr);
  } catch (const Impossible &) {
    return std::nullopt;
  }
}

/// jinja2's has_safe_repr: values the optimizer may write into compiled code.
bool hasSafeRepr(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::None:
  case Value::Kind::Bool:
  case Value::Kind::Int:
  case Value::Kind::Float:
  case Value::Kind::String:
    return true;
  case Value::Kind::List:
    if (v.flavor() != Value::Flavor::List && v.flavor() != Value::Flavor::Tuple &&
        v.flavor() != Value::Flavor::Range)
      return false;
    for (const Value &item : v.items())
      if (!hasSafeRepr(item))
        return false;
    return true;
  case Value::Kind::Dict:
    for (const auto &entry : v.entries())
      if (!hasSafeRepr(entry.second))
        return false;
    return true;
  default:
    return false;
  }
}

//===--- The optimizer: children first, then the node itself -------------===//

void foldExpr(ExprPtr &slot);

void foldArgs(ArgExprs &args) {
  for (ExprPtr &arg : args.positional)
    foldExpr(arg);
  for (auto &kw : args.keyword)
    foldExpr(kw.second);
}

void foldExpr(ExprPtr &slot) {
  Expr &expr = *slot;
  switch (expr.kind) {
  case Expr::Kind::List:
    for (ExprPtr &item : static_cast<ListExpr &>(expr).items)
      foldExpr(item);
    break;
  case Expr::Kind::Dict:
    for (auto &[key, value] : static_cast<DictExpr &>(expr).entries) {
      foldExpr(key);
      foldExpr(value);
    }
    break;
  case Expr::Kind::GetAttr:
    foldExpr(static_cast<GetAttrExpr &>(expr).object);
    break;
  case Expr::Kind::GetItem:
    foldExpr(static_cast<GetItemExpr &>(expr).object);
    foldExpr(static_cast<GetItemExpr &>(expr).index);
    break;
  case Expr::Kind::Slice: {
    auto &e = static_cast<SliceExpr &>(expr);
    for (ExprPtr *part : {&e.start, &e.stop, &e.step})
      if (*part)
        foldExpr(*part);
    return; // a slice itself is never replaced
  }
  case Expr::Kind::Call:
    foldExpr(static_cast<CallExpr &>(expr).callee);
    foldArgs(static_cast<CallExpr &>(expr).args);
    break;
  case Expr::Kind::Filter:
    foldExpr(static_cast<FilterExpr &>(expr).operand);
    foldArgs(static_cast<FilterExpr &>(expr).args);
    break;
  case Expr::Kind::Test:
    foldExpr(static_cast<TestExpr &>(expr).operand);
    foldArgs(static_cast<TestExpr &>(expr).args);
    break;
  case Expr::Kind::Unary:
    foldExpr(static_cast<UnaryExpr &>(expr).operand);
    break;
  case Expr::Kind::Binary:
    foldExpr(static_cast<BinaryExpr &>(expr).left);
    foldExpr(static_cast<BinaryExpr &>(expr).right);
    break;
  case Expr::Kind::Compare:
    foldExpr(static_cast<CompareExpr &>(expr).first);
    for (auto &operand : static_cast<CompareExpr &>(expr).rest)
      foldExpr(operand.second);
    break;
  case Expr::Kind::CondExpr: {
    auto &e = static_cast<CondExpr &>(expr);
    foldExpr(e.test);
    foldExpr(e.then);
    if (e.otherwise)
      foldExpr(e.otherwise);
    break;
  }
  default:
    break;
  }
  if (expr.kind == Expr::Kind::Literal)
    return;
  if (auto value = tryConstant(expr); value && hasSafeRepr(*value))
    slot = std::make_unique<LiteralExpr>(std::move(*value), expr.line);
}

void foldBody(Body &body) {
  for (StmtPtr &stmt : body) {
    switch (stmt->kind) {
    case Stmt::Kind::Output: {
      auto &out = static_cast<OutputStmt &>(*stmt);
      foldExpr(out.expr);
      // The code generator prints constant output at compile time, whatever its type.
      if (auto value = tryConstant(*out.expr)) {
        try {
          out.constantText = toStr(*value);
        } catch (const TemplateError &) {
          // Text this engine refuses to produce: leave it to render time, which refuses too.
        }
      }
      break;
    }
    case Stmt::Kind::If:
      for (auto &[cond, branch] : static_cast<IfStmt &>(*stmt).branches) {
        foldExpr(cond);
        foldBody(branch);
      }
      foldBody(static_cast<IfStmt &>(*stmt).otherwise);
      break;
    case Stmt::Kind::For: {
      auto &loop = static_cast<ForStmt &>(*stmt);
      foldExpr(loop.iterable);
      if (loop.filter)
        foldExpr(loop.filter);
      foldBody(loop.body);
      foldBody(loop.otherwise);
      break;
    }
    case Stmt::Kind::Set:
      foldExpr(static_cast<SetStmt &>(*stmt).value);
      break;
    case Stmt::Kind::SetBlock:
      foldBody(static_cast<SetBlockStmt &>(*stmt).body);
      break;
    case Stmt::Kind::Generation:
      foldBody(static_cast<GenerationStmt &>(*stmt).body);
      break;
    default:
      break;
    }
  }
}

} // namespace

void foldConstants(Body &body) { foldBody(body); }

} // namespace inferno::rt::chat
