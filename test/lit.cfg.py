# -*- Python -*-
# lit configuration for Inferno: FileCheck tests under test/ and the GoogleTest executables.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Inferno"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit-tools", "unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.inferno_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.inferno_tools_dir, append_path=True)
# Tests generate model directories with numpy, which lives with Debian's interpreter.
llvm_config.with_environment("PYTHONDONTWRITEBYTECODE", "1")

tools = ["inferno", "inferno-opt"]
llvm_config.add_tool_substitutions(tools, [config.inferno_tools_dir])

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%generate", "%s %s" % (
    config.python_executable, os.path.join(config.inferno_src_root, "models", "generate.py"))))
config.substitutions.append(("%mutate", "%s %s" % (
    config.python_executable,
    os.path.join(config.inferno_src_root, "test", "lit-tools", "mutate_model.py"))))
config.substitutions.append(("%corrupt", "%s %s" % (
    config.python_executable,
    os.path.join(config.inferno_src_root, "test", "lit-tools", "corrupt_file.py"))))
config.substitutions.append(("%kill-compile", "%s %s %s" % (
    config.python_executable,
    os.path.join(config.inferno_src_root, "test", "lit-tools", "kill_compile.py"),
    os.path.join(config.inferno_tools_dir, "inferno"))))
config.substitutions.append(("%lit-tools", os.path.join(config.inferno_src_root, "test", "lit-tools")))
config.substitutions.append(("%src", config.inferno_src_root))
config.substitutions.append(("%obj", config.inferno_obj_root))

# Shared test data (real tiny checkpoints, real configs and tokenizers) is optional.
shared_models = os.path.join(config.inferno_shared_dir, "models")
if os.path.isdir(shared_models):
    config.available_features.add("shared-models")
    config.substitutions.append(("%shared", config.inferno_shared_dir))
else:
    lit_config.note("no shared test data at %s: tests that need it are unsupported (skipped)"
                    % config.inferno_shared_dir)

# The CUDA backend's tests: compiling needs nvcc (found as the compiler finds it); running
# a CUDA artifact needs a GPU, which these machines normally lack (the GPU checks run through
# scripts/cuda/ on a GPU machine instead).
import shutil
cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
if os.path.exists(os.path.join(cuda_home, "bin", "nvcc")) or shutil.which("nvcc"):
    config.available_features.add("nvcc")
else:
    lit_config.note("no nvcc: the tests that build CUDA artifacts are unsupported (skipped)")
if os.path.exists("/dev/nvidia0"):
    config.available_features.add("cuda-device")
if "CUDA_HOME" in os.environ:
    config.environment["CUDA_HOME"] = os.environ["CUDA_HOME"]

# Under INFERNO_SANITIZE every report is fatal (the build passes -fno-sanitize-recover), and lit
# passes no environment through by default: say how the sanitizers should behave.
# allow_user_poisoning=0: LLVM's bump allocator (header code, so instrumented in our objects)
# poisons each new slab and unpoisons what it hands out; the same allocator object is also used
# by the uninstrumented libMLIR, whose allocations from such a slab then stay poisoned and read as
# use-after-poison. Heap redzones and every other check are unaffected.
if config.inferno_sanitize:
    config.environment["ASAN_OPTIONS"] = "allow_user_poisoning=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:detect_odr_violation=2"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    config.available_features.add("sanitizer")
