//===- RunCommand.cpp - `inferno run ARTIFACT [flags]` --------------------===//
//
// The artifact's own executable does the work; `inferno run` hands it the flags unchanged,
// so both accept exactly the same command line.
//
//===----------------------------------------------------------------------===//

#include "tools/inferno/Command.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace inferno::driver {

int runArtifact(int argc, char **argv) {
  if (argc < 1 || std::string(argv[0]).rfind("-", 0) == 0)
    return fail("usage: inferno run ARTIFACT [--prompt TEXT | --prompt-ids 1,2,3] [flags]; "
                "ARTIFACT/model --help lists the flags");
  std::string executable = std::string(argv[0]) + "/model";
  if (access(executable.c_str(), X_OK) != 0)
    return fail(std::string(argv[0]) + ": not an artifact (no executable 'model' inside)");
  std::vector<char *> args = {executable.data()};
  for (int i = 1; i < argc; ++i)
    args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(executable.c_str(), args.data());
  return fail(executable + ": cannot run (" + std::strerror(errno) + ")");
}

} // namespace inferno::driver
