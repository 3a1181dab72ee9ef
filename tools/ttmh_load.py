# SPDX-License-Identifier: GPL-2.0
"""The harness (tools/ttmh, a script without .py) as a module, for the
subcommands that live in their own files (ttmh_check.py, ttmh_bench.py).
When ttmh itself runs them, this is the running __main__."""

import importlib.machinery
import importlib.util
import os
import sys


def harness():
    main = sys.modules.get('__main__')
    if main is not None and hasattr(main, 'cmd_tree'):
        return main
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ttmh')
    loader = importlib.machinery.SourceFileLoader('ttmh', path)
    mod = importlib.util.module_from_spec(
        importlib.util.spec_from_loader('ttmh', loader))
    loader.exec_module(mod)
    return mod
