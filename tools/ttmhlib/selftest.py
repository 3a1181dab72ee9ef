# SPDX-License-Identifier: GPL-2.0
"""The harness's own unit tests (tools/tests), run first by "make test":
the log scanner on recorded logs, the channel verdicts, the KTAP parse.
They take seconds and need no VM."""

import io
import time
import unittest

from . import results, settings


class _Collect(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.passed = []
        self.seconds = {}
        self.t = 0.0

    def startTest(self, test):
        self.t = time.time()
        super().startTest(test)

    def stopTest(self, test):
        self.seconds[test.id()] = round(time.time() - self.t, 3)
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)


def run_selftests(pattern='test_*.py'):
    t = time.time()
    suite = unittest.defaultTestLoader.discover(settings.SELFTESTS,
                                                pattern=pattern,
                                                top_level_dir=settings.TOOLS)
    buf = io.StringIO()
    runner = unittest.TextTestRunner(stream=buf, verbosity=2,
                                     resultclass=_Collect)
    res = runner.run(suite)
    rec = results.Run('harness', 'harness', 'tools/tests',
                      round(time.time() - t, 1))

    def name(test):
        return 'harness.' + test.id().replace('tests.', '', 1)
    for test in res.passed:
        rec.cases.append(results.Case(name(test), 'PASS',
                                      res.seconds.get(test.id())))
    for test, tb in res.failures + res.errors:
        rec.cases.append(results.Case(name(test), 'FAIL',
                                      res.seconds.get(test.id()),
                                      tb.strip().splitlines()[-1][:300]))
        print(tb)
    for test, why in res.skipped:
        rec.cases.append(results.Case(name(test), 'SKIP',
                                      res.seconds.get(test.id()), why))
    if res.testsRun == 0:
        rec.fail('no harness unit tests found in %s' % settings.SELFTESTS)
    return rec
