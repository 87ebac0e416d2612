# -*- Python -*-
# lit runs every TEST() of the GoogleTest executables in build/unittests as one lit test.

import lit.formats

config.name = "Inferno-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.inferno_unittests_dir
config.test_exec_root = config.inferno_unittests_dir
