//===- Evaluator.cpp - renders a parsed template --------------------------===//

#include "runtime/chat/Evaluator.h"

#include "runtime/chat/Builtins.h"
#include "runtime/chat/LoopContext.h"
#include "runtime/chat/Operators.h"
#include "runtime/chat/TemplateError.h"

#include <functional>
#include <unordered_map>

namespace inferno::rt::chat {

namespace {

class Renderer {
public:
  explicit Renderer(const DictEntries &variables) {
    for (const auto &[name, value] : variables)
      context_[name] = value;
  }

  std::string run(const Body &body, const Frame &root) {
    std::string out;
    enterFrame(root);
    execBody(body, out);
    return out;
  }

private:
  /// How a statement list ended: normally, or by {% break %} / {% continue %}.
  enum class Flow { Normal, Break, Continue };
  using Names = std::unordered_map<std::string, Value>;

  //===--- Frames ---------------------------------------------------------===//

  Names &namesAt(int level) {
    if (static_cast<size_t>(level) >= locals_.size())
      locals_.resize(level + 1);
    return locals_[level];
  }

  /// Gives a frame's names their first values (jinja2's enter_frame). A name without a value
  /// reads as undefined.
  void enterFrame(const Frame &frame) {
    Names &names = namesAt(frame.level);
    for (const FrameLoad &load : frame.loads) {
      const Value *value = nullptr;
      if (load.kind == FrameLoad::Kind::Parameter)
        continue;
      if (load.kind == FrameLoad::Kind::Resolve) {
        auto it = context_.find(load.name);
        value = it == context_.end() ? nullptr : &it->second;
      } else if (load.kind == FrameLoad::Kind::Alias) {
        Names &outer = namesAt(load.aliasLevel);
        auto it = outer.find(load.name);
        value = it == outer.end() ? nullptr : &it->second;
      }
      if (value)
        names[load.name] = *value;
      else
        names.erase(load.name);
    }
  }

  void leaveFrame(const Frame &frame) {
    Names &names = namesAt(frame.level);
    for (const FrameLoad &load : frame.loads)
      names.erase(load.name);
  }

  Value lookup(const std::string &name, int level) {
    Names &names = namesAt(level);
    auto it = names.find(name);
    if (it != names.end())
      return it->second;
    if (isUnsupportedGlobal(name))
      fail("unsupported global function '" + name + "'");
    return Value::undefined("'" + name + "' is undefined");
  }

  //===--- Statements -----------------------------------------------------===//

  Flow execBody(const Body &body, std::string &out) {
    for (const StmtPtr &stmt : body) {
      Flow flow = exec(*stmt, out);
      if (flow != Flow::Normal)
        return flow;
    }
    return Flow::Normal;
  }

  Flow exec(const Stmt &stmt, std::string &out) {
    try {
      return execInner(stmt, out);
    } catch (TemplateError &error) {
      if (error.line == 0)
        error.line = stmt.line;
      throw;
    }
  }

  Flow execInner(const Stmt &stmt, std::string &out) {
    switch (stmt.kind) {
    case Stmt::Kind::Text:
      out += static_cast<const TextStmt &>(stmt).text;
      return Flow::Normal;
    case Stmt::Kind::Output: {
      const auto &s = static_cast<const OutputStmt &>(stmt);
      out += s.constantText ? *s.constantText : toStr(eval(*s.expr));
      return Flow::Normal;
    }
    case Stmt::Kind::If: {
      const auto &s = static_cast<const IfStmt &>(stmt);
      for (const auto &[cond, body] : s.branches)
        if (truthy(eval(*cond)))
          return execBody(body, out);
      return execBody(s.otherwise, out);
    }
    case Stmt::Kind::For:
      return execFor(static_cast<const ForStmt &>(stmt), out);
    case Stmt::Kind::Set: {
      const auto &s = static_cast<const SetStmt &>(stmt);
      assign(s.target, eval(*s.value));
      return Flow::Normal;
    }
    case Stmt::Kind::SetBlock: {
      const auto &s = static_cast<const SetBlockStmt &>(stmt);
      std::string text;
      Flow flow = execInFrame(s.body, s.bodyFrame, text);
      if (flow != Flow::Normal)
        return flow; // a break inside the block leaves before the assignment
      assign(s.target, Value::string(std::move(text)));
      return Flow::Normal;
    }
    case Stmt::Kind::Break:
      return Flow::Break;
    case Stmt::Kind::Continue:
      return Flow::Continue;
    case Stmt::Kind::Generation: {
      const auto &s = static_cast<const GenerationStmt &>(stmt);
      return execInFrame(s.body, s.bodyFrame, out);
    }
    }
    return Flow::Normal;
  }

  /// Runs `body` in a nested frame entered once (set blocks, generation blocks).
  Flow execInFrame(const Body &body, const Frame &frame, std::string &out) {
    int outer = level_;
    level_ = frame.level;
    enterFrame(frame);
    Flow flow = execBody(body, out);
    leaveFrame(frame);
    level_ = outer;
    return flow;
  }

  Flow execFor(const ForStmt &loop, std::string &out) {
    ValueList items = iterate(eval(*loop.iterable));
    std::function<bool(const Value &)> keep;
    if (loop.filter) {
      // jinja2 compiles the filter to a generator function: its names live apart from the
      // body's (same level, own storage), and it runs whenever the loop needs another item.
      auto filterNames = std::make_shared<Names>();
      int level = loop.filterFrame.level;
      std::swap(namesAt(level), *filterNames);
      enterFrame(loop.filterFrame);
      std::swap(namesAt(level), *filterNames);
      keep = [this, &loop, filterNames, level](const Value &item) {
        std::swap(namesAt(level), *filterNames);
        struct SwapBack {
          Renderer &r;
          Names &saved;
          int level;
          ~SwapBack() { std::swap(r.namesAt(level), saved); }
        } swapBack{*this, *filterNames, level};
        bind(loop.target, item, namesAt(level));
        return truthy(eval(*loop.filter));
      };
    }
    auto context = std::make_shared<LoopContext>(std::move(items), std::move(keep));
    Value loopVariable = loop.usesLoop ? LoopContext::variable(context) : Value();

    // Jinja clears its "run the else block" flag at the end of the loop body, so the else
    // block also runs when every iteration left early through break or continue.
    bool bodyCompleted = false;
    int outer = level_;
    level_ = loop.bodyFrame.level;
    while (auto item = context->next()) {
      Names &names = namesAt(level_);
      bind(loop.target, *item, names);
      if (loop.usesLoop)
        names["loop"] = loopVariable;
      enterFrame(loop.bodyFrame);
      Flow flow = execBody(loop.body, out);
      if (flow == Flow::Normal)
        bodyCompleted = true;
      if (flow == Flow::Break)
        break;
    }
    leaveFrame(loop.bodyFrame);
    level_ = outer;
    if (!bodyCompleted)
      return execInFrame(loop.otherwise, loop.elseFrame, out);
    return Flow::Normal;
  }

  /// Binds loop or set targets in `names`.
  static void bind(const AssignTarget &target, const Value &value, Names &names) {
    if (!target.unpack) {
      names[target.names[0]] = value;
      return;
    }
    ValueList parts = iterate(value);
    size_t want = target.names.size();
    if (parts.size() > want)
      fail("too many values to unpack (expected " + std::to_string(want) + ")");
    if (parts.size() < want)
      fail("not enough values to unpack (expected " + std::to_string(want) + ", got " +
           std::to_string(parts.size()) + ")");
    for (size_t i = 0; i < want; ++i)
      names[target.names[i]] = parts[i];
  }

  void assign(const AssignTarget &target, const Value &value) {
    if (target.attribute.empty()) {
      bind(target, value, namesAt(level_)); // assignments always go to the current frame
      return;
    }
    Value ns = lookup(target.names[0], target.namespaceLevel);
    if (!ns.isObject() || !ns.objectData().assignable)
      fail("cannot assign attribute on non-namespace object");
    for (auto &entry : ns.objectData().attributes)
      if (entry.first == target.attribute) {
        entry.second = value;
        return;
      }
    ns.objectData().attributes.emplace_back(target.attribute, value);
  }

  //===--- Expressions ----------------------------------------------------===//

  Value eval(const Expr &expr) {
    try {
      return evalInner(expr);
    } catch (TemplateError &error) {
      if (error.line == 0)
        error.line = expr.line;
      throw;
    }
  }

  CallArgs evalArgs(const ArgExprs &args) {
    CallArgs out;
    for (const ExprPtr &arg : args.positional)
      out.positional.push_back(eval(*arg));
    for (const auto &[key, arg] : args.keyword)
      out.keyword.emplace_back(key, eval(*arg));
    return out;
  }

  Value evalInner(const Expr &expr) {
    switch (expr.kind) {
    case Expr::Kind::Literal:
      return static_cast<const LiteralExpr &>(expr).value;
    case Expr::Kind::Name: {
      const auto &e = static_cast<const NameExpr &>(expr);
      return lookup(e.name, e.level);
    }
    case Expr::Kind::List: {
      const auto &e = static_cast<const ListExpr &>(expr);
      ValueList items;
      for (const ExprPtr &item : e.items)
        items.push_back(eval(*item));
      return Value::list(std::move(items), e.tuple ? Value::Flavor::Tuple : Value::Flavor::List);
    }
    case Expr::Kind::Dict: {
      DictEntries entries;
      for (const auto &[keyExpr, valueExpr] : static_cast<const DictExpr &>(expr).entries) {
        Value key = eval(*keyExpr);
        if (!key.isString())
          fail("dict literals with non-string keys are not supported");
        Value value = eval(*valueExpr);
        bool replaced = false;
        for (auto &entry : entries)
          if (entry.first == key.asString()) {
            entry.second = value; // a repeated key keeps its first position, as in Python
            replaced = true;
          }
        if (!replaced)
          entries.emplace_back(key.asString(), std::move(value));
      }
      return Value::dict(std::move(entries));
    }
    case Expr::Kind::GetAttr: {
      const auto &e = static_cast<const GetAttrExpr &>(expr);
      return getAttr(eval(*e.object), e.attribute);
    }
    case Expr::Kind::GetItem: {
      const auto &e = static_cast<const GetItemExpr &>(expr);
      Value object = eval(*e.object);
      if (e.index->kind == Expr::Kind::Slice) {
        const auto &s = static_cast<const SliceExpr &>(*e.index);
        auto part = [&](const ExprPtr &p) { return p ? eval(*p) : Value::none(); };
        Value start = part(s.start), stop = part(s.stop), step = part(s.step);
        return sliceValue(object, start, stop, step);
      }
      return getItem(object, eval(*e.index));
    }
    case Expr::Kind::Slice:
      fail("a slice is only valid inside [...]");
    case Expr::Kind::Call: {
      const auto &e = static_cast<const CallExpr &>(expr);
      Value callee = eval(*e.callee);
      CallArgs args = evalArgs(e.args);
      if (callee.isUndefined())
        fail(callee.undefinedHint());
      if (!callee.isCallable())
        fail("'" + describeType(callee) + "' object is not callable");
      return callee.callableData().call(args);
    }
    case Expr::Kind::Filter: {
      const auto &e = static_cast<const FilterExpr &>(expr);
      Value input = eval(*e.operand);
      return applyFilter(e.name, input, evalArgs(e.args));
    }
    case Expr::Kind::Test: {
      const auto &e = static_cast<const TestExpr &>(expr);
      Value input = eval(*e.operand);
      return Value::boolean(applyTest(e.name, input, evalArgs(e.args)));
    }
    case Expr::Kind::Unary: {
      const auto &e = static_cast<const UnaryExpr &>(expr);
      Value operand = eval(*e.operand);
      if (e.op == "not")
        return Value::boolean(!truthy(operand));
      return unaryOp(e.op, operand);
    }
    case Expr::Kind::Binary: {
      const auto &e = static_cast<const BinaryExpr &>(expr);
      Value left = eval(*e.left);
      // `and` / `or` short-circuit and yield an operand, as in Python.
      if (e.op == "and")
        return truthy(left) ? eval(*e.right) : left;
      if (e.op == "or")
        return truthy(left) ? left : eval(*e.right);
      return binaryOp(e.op, left, eval(*e.right));
    }
    case Expr::Kind::Compare: {
      const auto &e = static_cast<const CompareExpr &>(expr);
      Value left = eval(*e.first);
      for (const auto &[op, rightExpr] : e.rest) {
        Value right = eval(*rightExpr);
        if (!compareOp(op, left, right))
          return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case Expr::Kind::CondExpr: {
      const auto &e = static_cast<const CondExpr &>(expr);
      if (truthy(eval(*e.test)))
        return eval(*e.then);
      if (e.otherwise)
        return eval(*e.otherwise);
      return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                              " evaluated to false and no else section was defined.");
    }
    }
    fail("unknown expression");
  }

  Names context_;             // render variables and globals
  std::vector<Names> locals_; // the names of the active frame at each level
  int level_ = 0;             // the frame `set` assigns in
};

} // namespace

std::string renderTemplate(const Body &body, const Frame &root, const DictEntries &variables) {
  return Renderer(variables).run(body, root);
}

} // namespace inferno::rt::chat
