//===- inferno.cpp - the Inferno driver -----------------------------------===//
//
// `inferno SUBCOMMAND ...`: each subcommand registers itself from its own source file
// (Command.h); main parses the command line and runs the one named.
//
//===----------------------------------------------------------------------===//

#include "tools/inferno/Command.h"

#include "llvm/Support/InitLLVM.h"

using namespace inferno::driver;

std::vector<Command> &inferno::driver::commands() {
  static std::vector<Command> registry;
  return registry;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "Inferno: an ahead-of-time compiler for Llama-family language models\n\n"
      "  inferno import MODEL_DIR      print the model as a llama dialect module\n");
  for (const Command &command : commands())
    if (*command.subcommand)
      return command.run();
  llvm::cl::PrintHelpMessage(/*Hidden=*/false, /*Categorized=*/false);
  return 1;
}
