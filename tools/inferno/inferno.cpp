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
  // `run` passes its flags through to the artifact untouched, so it bypasses option parsing.
  if (argc >= 2 && std::string(argv[1]) == "run")
    return runArtifact(argc - 2, argv + 2);
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "Inferno: an ahead-of-time compiler for Llama-family language models\n\n"
      "  inferno inspect MODEL_DIR [--json]    describe it: variant, sizes, memory, integrity\n"
      "  inferno import MODEL_DIR              print the model as a llama dialect module\n"
      "  inferno compile MODEL_DIR -o ARTIFACT compile it into a runnable artifact\n"
      "  inferno run ARTIFACT [flags]          generate text (ARTIFACT/model --help)\n");
  for (const Command &command : commands())
    if (*command.subcommand)
      return command.run();
  llvm::cl::PrintHelpMessage(/*Hidden=*/false, /*Categorized=*/false);
  return 1;
}
