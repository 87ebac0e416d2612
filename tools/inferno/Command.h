//===- Command.h - subcommands of the inferno driver ------------*- C++ -*-===//
//
// Each subcommand lives in its own source file: it declares an llvm::cl::SubCommand, its
// options bound to that subcommand, and registers its entry point here. `main` runs the one
// the user named. Errors are printed once as "inferno: error: ..." with a non-zero exit.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_TOOLS_INFERNO_COMMAND_H
#define INFERNO_TOOLS_INFERNO_COMMAND_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
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

/// `inferno run ARTIFACT args...`: executes ARTIFACT/model with the same arguments.
int runArtifact(int argc, char **argv);

/// Prints "inferno: error: MESSAGE" to stderr and returns the exit code for failure.
inline int fail(const llvm::Twine &message) {
  llvm::errs() << "inferno: error: " << message << "\n";
  return 1;
}

} // namespace inferno::driver

#endif // INFERNO_TOOLS_INFERNO_COMMAND_H
