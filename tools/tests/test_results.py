# SPDX-License-Identifier: GPL-2.0
"""KTAP through the kernel's kunit_parser, and per-case timing."""

import os
import unittest

from ttmhlib import results, series

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')
HAVE_PARSER = os.path.isdir(series.kunit_tool_path())


def read(name):
    with open(os.path.join(LOGS, name)) as f:
        return f.readlines()


@unittest.skipUnless(HAVE_PARSER, 'no build/linux: run "make tree"')
class Ktap(unittest.TestCase):
    def test_pass_skip_and_params(self):
        cases, errors = results.parse_ktap(read('ktap-debugfs-pass.ktap'))
        got = {c.name: c.status for c in cases}
        self.assertEqual(errors, [])
        self.assertEqual(got, {
            'ttm_backup.ttm_backup_copy_roundtrip': 'PASS',
            'ttm_backup.ttm_backup_orders.order 0': 'PASS',
            'ttm_backup.ttm_backup_orders.order 9': 'PASS',
            'ttm_backup.ttm_backup_caching': 'SKIP'})

    def test_failure_keeps_expected_diagnostic(self):
        cases, errors = results.parse_ktap(read('ktap-debugfs-fail.ktap'))
        bad = [c for c in cases if c.status == 'FAIL']
        self.assertEqual([c.name for c in bad],
                         ['ttm_shrinker.ttm_shrinker_scan_frees'])
        self.assertIn('Expected freed == 512', bad[0].detail)

    def test_crash_is_a_failure(self):
        lines = read('ktap-crashed.log')
        cases, errors = results.parse_ktap(lines,
                                           results.ktap_timing(lines))
        self.assertTrue(any(c.status == 'FAIL' for c in cases) or errors,
                        (cases, errors))
        ok = {c.name: c.seconds for c in cases if c.status == 'PASS'}
        self.assertEqual(ok, {'ttm_pool.ttm_pool_alloc_basic': 0.1,
                              'ttm_pool.ttm_pool_alloc_order': 0.25})

    def test_no_ktap_is_an_error(self):
        cases, errors = results.parse_ktap(['Linux version 6.12\n'])
        self.assertEqual(cases, [])
        self.assertTrue(errors)


class Totals(unittest.TestCase):
    def test_problems_count_as_failures(self):
        run = results.Run('vm-x', 'vm')
        run.cases.append(results.Case('a', 'PASS'))
        run.cases.append(results.Case('b', 'SKIP'))
        run.fail('timed out')
        self.assertEqual(run.counts(), (1, 1, 1))


if __name__ == '__main__':
    unittest.main()
