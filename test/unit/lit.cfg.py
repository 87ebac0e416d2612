# -*- Python -*-
# lit runs every TEST() of the GoogleTest executables in build/unittests as one lit test.

import lit.formats

config.name = "Inferno-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.inferno_unittests_dir
config.test_exec_root = config.inferno_unittests_dir

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
