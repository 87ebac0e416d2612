//===- Scoping.cpp - jinja2's compile-time name resolution ----------------===//
//
// Per frame, in two passes:
//  1. Visit the frame's own code in order (not the bodies of nested loops or set blocks, which
//     are frames of their own): a read of a name no enclosing frame knows makes it Resolve
//     here; the first assignment of a name not yet known here makes it Alias (if an enclosing
//     frame knows it) or Undefined. An if statement is visited as three copies of the symbols
//     (its body, its elif chain, its else) merged afterwards: a name assigned in only some of
//     them becomes Alias/Resolve, one assigned in all three keeps its assignment rule.
//  2. With the frame's symbols final, record for every name read which frame it comes from,
//     and analyze the nested frames (whose Alias rules look at this frame's names).
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Scoping.h"

#include <map>
#include <set>

namespace inferno::rt::chat {

namespace {

class Symbols {
public:
  explicit Symbols(const Symbols *parent)
      : parent_(parent), level_(parent ? parent->level_ + 1 : 0) {}

  int level() const { return level_; }

  /// The level of the nearest frame (this one or an enclosing one) that owns `name`, or -1.
  int findRef(const std::string &name) const {
    for (const Symbols *s = this; s; s = s->parent_)
      if (s->loads_.count(name))
        return s->level_;
    return -1;
  }

  void load(const std::string &name) {
    if (findRef(name) < 0)
      loads_[name] = {name, FrameLoad::Kind::Resolve};
  }

  void store(const std::string &name) {
    stores_.insert(name);
    if (loads_.count(name))
      return;
    int outer = parent_ ? parent_->findRef(name) : -1;
    loads_[name] = outer >= 0 ? FrameLoad{name, FrameLoad::Kind::Alias, outer}
                              : FrameLoad{name, FrameLoad::Kind::Undefined};
  }

  void declareParameter(const std::string &name) {
    stores_.insert(name);
    loads_[name] = {name, FrameLoad::Kind::Parameter};
  }

  /// Merges the symbols of an if statement's three branches (body, elifs, else).
  void mergeBranches(const std::vector<Symbols> &branches) {
    std::map<std::string, size_t> assignedIn;
    for (const Symbols &branch : branches)
      for (const std::string &name : branch.stores_)
        if (!stores_.count(name))
          ++assignedIn[name];
    for (const Symbols &branch : branches) {
      for (const auto &[name, load] : branch.loads_)
        loads_[name] = load; // later branches win, as dict.update does
      stores_.insert(branch.stores_.begin(), branch.stores_.end());
    }
    for (const auto &[name, count] : assignedIn) {
      if (count == branches.size())
        continue;
      int outer = parent_ ? parent_->findRef(name) : -1;
      loads_[name] = outer >= 0 ? FrameLoad{name, FrameLoad::Kind::Alias, outer}
                                : FrameLoad{name, FrameLoad::Kind::Resolve};
    }
  }

  Frame frame() const {
    Frame f;
    f.level = level_;
    for (const auto &entry : loads_)
      f.loads.push_back(entry.second);
    return f;
  }

private:
  const Symbols *parent_;
  int level_;
  std::map<std::string, FrameLoad> loads_; // the names this frame owns
  std::set<std::string> stores_;
};

//===--- Pass 1: what a frame's own code reads and assigns ----------------===//

void declareExpr(const Expr &expr, Symbols &s);

void declareArgs(const ArgExprs &args, Symbols &s) {
  for (const ExprPtr &arg : args.positional)
    declareExpr(*arg, s);
  for (const auto &kw : args.keyword)
    declareExpr(*kw.second, s);
}

void declareExpr(const Expr &expr, Symbols &s) {
  switch (expr.kind) {
  case Expr::Kind::Literal:
    return;
  case Expr::Kind::Name:
    s.load(static_cast<const NameExpr &>(expr).name);
    return;
  case Expr::Kind::List:
    for (const ExprPtr &item : static_cast<const ListExpr &>(expr).items)
      declareExpr(*item, s);
    return;
  case Expr::Kind::Dict:
    for (const auto &[key, value] : static_cast<const DictExpr &>(expr).entries) {
      declareExpr(*key, s);
      declareExpr(*value, s);
    }
    return;
  case Expr::Kind::GetAttr:
    declareExpr(*static_cast<const GetAttrExpr &>(expr).object, s);
    return;
  case Expr::Kind::GetItem: {
    const auto &e = static_cast<const GetItemExpr &>(expr);
    declareExpr(*e.object, s);
    declareExpr(*e.index, s);
    return;
  }
  case Expr::Kind::Slice: {
    const auto &e = static_cast<const SliceExpr &>(expr);
    for (const ExprPtr *part : {&e.start, &e.stop, &e.step})
      if (*part)
        declareExpr(**part, s);
    return;
  }
  case Expr::Kind::Call: {
    const auto &e = static_cast<const CallExpr &>(expr);
    declareExpr(*e.callee, s);
    declareArgs(e.args, s);
    return;
  }
  case Expr::Kind::Filter: {
    const auto &e = static_cast<const FilterExpr &>(expr);
    declareExpr(*e.operand, s);
    declareArgs(e.args, s);
    return;
  }
  case Expr::Kind::Test: {
    const auto &e = static_cast<const TestExpr &>(expr);
    declareExpr(*e.operand, s);
    declareArgs(e.args, s);
    return;
  }
  case Expr::Kind::Unary:
    declareExpr(*static_cast<const UnaryExpr &>(expr).operand, s);
    return;
  case Expr::Kind::Binary: {
    const auto &e = static_cast<const BinaryExpr &>(expr);
    declareExpr(*e.left, s);
    declareExpr(*e.right, s);
    return;
  }
  case Expr::Kind::Compare: {
    const auto &e = static_cast<const CompareExpr &>(expr);
    declareExpr(*e.first, s);
    for (const auto &operand : e.rest)
      declareExpr(*operand.second, s);
    return;
  }
  case Expr::Kind::CondExpr: {
    const auto &e = static_cast<const CondExpr &>(expr);
    declareExpr(*e.test, s);
    declareExpr(*e.then, s);
    if (e.otherwise)
      declareExpr(*e.otherwise, s);
    return;
  }
  }
}

void declareTarget(const AssignTarget &target, Symbols &s) {
  if (!target.attribute.empty()) {
    s.load(target.names[0]); // `ns.attr = ...` reads ns
    return;
  }
  for (const std::string &name : target.names)
    s.store(name);
}

void declareBody(const Body &body, Symbols &s);

/// jinja2's If node keeps elifs as a list of If nodes (each without elif/else of its own).
void declareIf(const IfStmt &stmt, Symbols &s) {
  declareExpr(*stmt.branches[0].first, s);
  Symbols body = s, elifs = s, otherwise = s;
  declareBody(stmt.branches[0].second, body);
  for (size_t i = 1; i < stmt.branches.size(); ++i) {
    declareExpr(*stmt.branches[i].first, elifs);
    Symbols branch = elifs, none1 = elifs, none2 = elifs;
    declareBody(stmt.branches[i].second, branch);
    elifs.mergeBranches({branch, none1, none2});
  }
  declareBody(stmt.otherwise, otherwise);
  s.mergeBranches({body, elifs, otherwise});
}

void declareBody(const Body &body, Symbols &s) {
  for (const StmtPtr &stmt : body) {
    switch (stmt->kind) {
    case Stmt::Kind::Output:
      declareExpr(*static_cast<const OutputStmt &>(*stmt).expr, s);
      break;
    case Stmt::Kind::If:
      declareIf(static_cast<const IfStmt &>(*stmt), s);
      break;
    case Stmt::Kind::For: // only the iterable belongs to this frame
      declareExpr(*static_cast<const ForStmt &>(*stmt).iterable, s);
      break;
    case Stmt::Kind::Set: {
      const auto &set = static_cast<const SetStmt &>(*stmt);
      declareExpr(*set.value, s); // the value is read before the target is assigned
      declareTarget(set.target, s);
      break;
    }
    case Stmt::Kind::SetBlock:
      declareTarget(static_cast<const SetBlockStmt &>(*stmt).target, s);
      break;
    default:
      break;
    }
  }
}

//===--- Whether a loop body reads `loop` ---------------------------------===//

/// jinja2 binds `loop` only if the body (nested frames included) reads it before assigning it.
struct LoopUse {
  bool decided = false, reads = false;
  void name(const std::string &n, bool read) {
    if (!decided && n == "loop") {
      decided = true;
      reads = read;
    }
  }
  void expr(const Expr &e);
  void args(const ArgExprs &a) {
    for (const ExprPtr &arg : a.positional)
      expr(*arg);
    for (const auto &kw : a.keyword)
      expr(*kw.second);
  }
  void target(const AssignTarget &t) {
    if (t.attribute.empty())
      for (const std::string &n : t.names)
        name(n, false);
    else
      name(t.names[0], true);
  }
  void body(const Body &b);
};

void LoopUse::expr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name:
    name(static_cast<const NameExpr &>(e).name, true);
    return;
  case Expr::Kind::List:
    for (const ExprPtr &item : static_cast<const ListExpr &>(e).items)
      expr(*item);
    return;
  case Expr::Kind::Dict:
    for (const auto &[k, v] : static_cast<const DictExpr &>(e).entries) {
      expr(*k);
      expr(*v);
    }
    return;
  case Expr::Kind::GetAttr:
    expr(*static_cast<const GetAttrExpr &>(e).object);
    return;
  case Expr::Kind::GetItem:
    expr(*static_cast<const GetItemExpr &>(e).object);
    expr(*static_cast<const GetItemExpr &>(e).index);
    return;
  case Expr::Kind::Slice: {
    const auto &s = static_cast<const SliceExpr &>(e);
    for (const ExprPtr *part : {&s.start, &s.stop, &s.step})
      if (*part)
        expr(**part);
    return;
  }
  case Expr::Kind::Call:
    expr(*static_cast<const CallExpr &>(e).callee);
    args(static_cast<const CallExpr &>(e).args);
    return;
  case Expr::Kind::Filter:
    expr(*static_cast<const FilterExpr &>(e).operand);
    args(static_cast<const FilterExpr &>(e).args);
    return;
  case Expr::Kind::Test:
    expr(*static_cast<const TestExpr &>(e).operand);
    args(static_cast<const TestExpr &>(e).args);
    return;
  case Expr::Kind::Unary:
    expr(*static_cast<const UnaryExpr &>(e).operand);
    return;
  case Expr::Kind::Binary:
    expr(*static_cast<const BinaryExpr &>(e).left);
    expr(*static_cast<const BinaryExpr &>(e).right);
    return;
  case Expr::Kind::Compare:
    expr(*static_cast<const CompareExpr &>(e).first);
    for (const auto &operand : static_cast<const CompareExpr &>(e).rest)
      expr(*operand.second);
    return;
  case Expr::Kind::CondExpr: {
    const auto &c = static_cast<const CondExpr &>(e);
    expr(*c.test);
    expr(*c.then);
    if (c.otherwise)
      expr(*c.otherwise);
    return;
  }
  default:
    return;
  }
}

void LoopUse::body(const Body &b) {
  // Children in jinja2's node field order (For: target, iter, body, else, test; Assign:
  // target, value), as its NodeVisitor walks them.
  for (const StmtPtr &stmt : b) {
    switch (stmt->kind) {
    case Stmt::Kind::Output:
      expr(*static_cast<const OutputStmt &>(*stmt).expr);
      break;
    case Stmt::Kind::If: {
      const auto &s = static_cast<const IfStmt &>(*stmt);
      for (const auto &[cond, branch] : s.branches) {
        expr(*cond);
        body(branch);
      }
      body(s.otherwise);
      break;
    }
    case Stmt::Kind::For: {
      const auto &s = static_cast<const ForStmt &>(*stmt);
      target(s.target);
      expr(*s.iterable);
      body(s.body);
      body(s.otherwise);
      if (s.filter)
        expr(*s.filter);
      break;
    }
    case Stmt::Kind::Set:
      target(static_cast<const SetStmt &>(*stmt).target);
      expr(*static_cast<const SetStmt &>(*stmt).value);
      break;
    case Stmt::Kind::SetBlock:
      target(static_cast<const SetBlockStmt &>(*stmt).target);
      body(static_cast<const SetBlockStmt &>(*stmt).body);
      break;
    case Stmt::Kind::Generation:
      body(static_cast<const GenerationStmt &>(*stmt).body);
      break;
    default:
      break;
    }
  }
}

//===--- Pass 2: where each read comes from; nested frames ----------------===//

void resolveBody(Body &body, const Symbols &s);

void resolveExpr(Expr &expr, const Symbols &s) {
  auto args = [&](ArgExprs &a) {
    for (ExprPtr &arg : a.positional)
      resolveExpr(*arg, s);
    for (auto &kw : a.keyword)
      resolveExpr(*kw.second, s);
  };
  switch (expr.kind) {
  case Expr::Kind::Literal:
    return;
  case Expr::Kind::Name: {
    auto &name = static_cast<NameExpr &>(expr);
    name.level = s.findRef(name.name);
    return;
  }
  case Expr::Kind::List:
    for (ExprPtr &item : static_cast<ListExpr &>(expr).items)
      resolveExpr(*item, s);
    return;
  case Expr::Kind::Dict:
    for (auto &[key, value] : static_cast<DictExpr &>(expr).entries) {
      resolveExpr(*key, s);
      resolveExpr(*value, s);
    }
    return;
  case Expr::Kind::GetAttr:
    resolveExpr(*static_cast<GetAttrExpr &>(expr).object, s);
    return;
  case Expr::Kind::GetItem:
    resolveExpr(*static_cast<GetItemExpr &>(expr).object, s);
    resolveExpr(*static_cast<GetItemExpr &>(expr).index, s);
    return;
  case Expr::Kind::Slice: {
    auto &e = static_cast<SliceExpr &>(expr);
    for (ExprPtr *part : {&e.start, &e.stop, &e.step})
      if (*part)
        resolveExpr(**part, s);
    return;
  }
  case Expr::Kind::Call:
    resolveExpr(*static_cast<CallExpr &>(expr).callee, s);
    args(static_cast<CallExpr &>(expr).args);
    return;
  case Expr::Kind::Filter:
    resolveExpr(*static_cast<FilterExpr &>(expr).operand, s);
    args(static_cast<FilterExpr &>(expr).args);
    return;
  case Expr::Kind::Test:
    resolveExpr(*static_cast<TestExpr &>(expr).operand, s);
    args(static_cast<TestExpr &>(expr).args);
    return;
  case Expr::Kind::Unary:
    resolveExpr(*static_cast<UnaryExpr &>(expr).operand, s);
    return;
  case Expr::Kind::Binary:
    resolveExpr(*static_cast<BinaryExpr &>(expr).left, s);
    resolveExpr(*static_cast<BinaryExpr &>(expr).right, s);
    return;
  case Expr::Kind::Compare:
    resolveExpr(*static_cast<CompareExpr &>(expr).first, s);
    for (auto &operand : static_cast<CompareExpr &>(expr).rest)
      resolveExpr(*operand.second, s);
    return;
  case Expr::Kind::CondExpr: {
    auto &e = static_cast<CondExpr &>(expr);
    resolveExpr(*e.test, s);
    resolveExpr(*e.then, s);
    if (e.otherwise)
      resolveExpr(*e.otherwise, s);
    return;
  }
  }
}

void resolveTarget(AssignTarget &target, const Symbols &s) {
  if (!target.attribute.empty())
    target.namespaceLevel = s.findRef(target.names[0]);
}

/// Analyzes a nested frame whose code is `body` (plus, for loops, parameters).
Frame nestedFrame(Body &body, const Symbols &parent, const std::vector<std::string> &params) {
  Symbols s(&parent);
  for (const std::string &param : params)
    s.declareParameter(param);
  declareBody(body, s);
  resolveBody(body, s);
  return s.frame();
}

void resolveFor(ForStmt &loop, const Symbols &s) {
  resolveExpr(*loop.iterable, s);
  LoopUse use;
  use.body(loop.body);
  loop.usesLoop = use.reads;
  std::vector<std::string> params;
  if (loop.usesLoop)
    params.push_back("loop");
  params.insert(params.end(), loop.target.names.begin(), loop.target.names.end());
  loop.bodyFrame = nestedFrame(loop.body, s, params);
  loop.elseFrame = nestedFrame(loop.otherwise, s, {});
  if (loop.filter) {
    Symbols filter(&s);
    for (const std::string &name : loop.target.names)
      filter.declareParameter(name);
    declareExpr(*loop.filter, filter);
    resolveExpr(*loop.filter, filter);
    loop.filterFrame = filter.frame();
  }
}

void resolveBody(Body &body, const Symbols &s) {
  for (StmtPtr &stmt : body) {
    switch (stmt->kind) {
    case Stmt::Kind::Output:
      resolveExpr(*static_cast<OutputStmt &>(*stmt).expr, s);
      break;
    case Stmt::Kind::If: {
      auto &stmtIf = static_cast<IfStmt &>(*stmt);
      for (auto &[cond, branch] : stmtIf.branches) {
        resolveExpr(*cond, s);
        resolveBody(branch, s);
      }
      resolveBody(stmtIf.otherwise, s);
      break;
    }
    case Stmt::Kind::For:
      resolveFor(static_cast<ForStmt &>(*stmt), s);
      break;
    case Stmt::Kind::Set: {
      auto &set = static_cast<SetStmt &>(*stmt);
      resolveExpr(*set.value, s);
      resolveTarget(set.target, s);
      break;
    }
    case Stmt::Kind::SetBlock: {
      auto &set = static_cast<SetBlockStmt &>(*stmt);
      resolveTarget(set.target, s);
      set.bodyFrame = nestedFrame(set.body, s, {});
      break;
    }
    case Stmt::Kind::Generation: {
      auto &gen = static_cast<GenerationStmt &>(*stmt);
      gen.bodyFrame = nestedFrame(gen.body, s, {});
      break;
    }
    default:
      break;
    }
  }
}

} // namespace

Frame analyzeScopes(Body &body) {
  Symbols root(nullptr);
  declareBody(body, root);
  resolveBody(body, root);
  return root.frame();
}

} // namespace inferno::rt::chat
