//===- Command.h - subcommands of the inferno driver ------------*- C++ -*-===//
//
// Each subcommand lives in its own source file: it declares an llvm::cl::SubCommand, its
// options bound to that subcommand, and registers its entry point here. `main` runs the one
// the user named. Errors are printed once as "inferno: error: ..." with a non-zero exit.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_TOOLS_INFERNO_COMMAND_H
#define INFERNO_TOOLS_INFERNO_COMMAND_H

#include "compiler/frontend/Dtype.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace inferno::driver {

struct Command {
  llvm::cl::SubCommand *subcommand;
  std::function<int()> run;
};

/// Every registered subcommand.
std::vector<Command> &commands();

/// Registers a subcommand at static-initialization time.
struct RegisterCommand {
  RegisterCommand(llvm::cl::SubCommand &subcommand, std::function<int()> run) {
    commands().push_back({&subcommand, std::move(run)});
  }
};

/// `inferno run ARTIFACT args...`: executes ARTIFACT/model with the same arguments.
int runArtifact(int argc, char **argv);

/// Prints "inferno: error: MESSAGE" to stderr and returns the exit code for failure.
inline int fail(const llvm::Twine &message) {
  llvm::errs() << "inferno: error: " << message << "\n";
  return 1;
}

/// Reads a `--dtype` flag (f32, bf16 or f16) into `dtype`, leaving it unset when the flag is
/// empty; prints the error and returns false for anything else.
/// --kv-dtype FLAG (compile, inspect): empty, or fp8, bf16, f16 or f32 with --target cuda.
/// False (after one error line) otherwise.
inline bool parseKvDtypeFlag(const std::string &flag, const std::string &target,
                             std::string &kvDtype) {
  if (flag.empty())
    return true;
  if (flag != "fp8" && flag != "bf16" && flag != "f16" && flag != "f32") {
    fail("--kv-dtype " + flag + ": expected fp8, bf16, f16 or f32");
    return false;
  }
  if (target != "cuda") {
    fail("--kv-dtype goes with --target cuda (the CPU target's cache is float32)");
    return false;
  }
  kvDtype = flag;
  return true;
}

inline bool parseDtypeFlag(const std::string &flag, std::optional<Dtype> &dtype) {
  if (flag.empty())
    return true;
  if (flag == "f32")
    dtype = Dtype::F32;
  else if (flag == "bf16")
    dtype = Dtype::BF16;
  else if (flag == "f16")
    dtype = Dtype::F16;
  else {
    fail("--dtype " + flag + ": expected f32, bf16 or f16");
    return false;
  }
  return true;
}

} // namespace inferno::driver

#endif // INFERNO_TOOLS_INFERNO_COMMAND_H
