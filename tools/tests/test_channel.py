# SPDX-License-Identifier: GPL-2.0
"""The guest channel and the verdict on each requested test."""

import os
import unittest

from ttmhlib import channel

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')


def read(name):
    return channel.read(os.path.join(LOGS, name))


class Channel(unittest.TestCase):
    def test_good_run(self):
        ch = read('chan-good.chan')
        cases, problems = channel.verdict(ch, ['scn-overcommit',
                                               'scn-fuzz'])
        self.assertEqual(problems, [])
        self.assertEqual([(c.name, c.status) for c in cases], [
            ('scn-overcommit.shrinker', 'PASS'), ('scn-fuzz.seed1', 'PASS'),
            ('scn-fuzz.seed2', 'FAIL')])
        self.assertEqual(cases[0].seconds, 38.5)
        self.assertEqual(cases[2].seconds, 5.25)
        self.assertEqual(ch.facts, {'clock': 'tsc', 'cpus': '2',
                                    'swap': 'disk 1536'})
        self.assertEqual(ch.words('DEMO'), [
            'overcommit.shrinker bo_mib=1024 intact=262144/262144'])

    def test_never_started(self):
        ch = read('chan-good.chan')
        cases, _ = channel.verdict(ch, ['scn-overcommit', 'scn-fuzz',
                                        'scn-stop'])
        self.assertIn(('scn-stop', 'FAIL'),
                      [(c.name, c.status) for c in cases])

    def test_silent_nonzero_unfinished_tests_fail(self):
        ch = read('chan-broken.chan')
        cases, problems = channel.verdict(
            ch, ['scn-stop', 'scn-interrupt', 'scn-inject'])
        fails = {c.name: c.detail for c in cases if c.status == 'FAIL'}
        self.assertIn('reported no result', fails['scn-stop'])
        self.assertIn('exited with status 1', fails['scn-interrupt'])
        self.assertIn('still running', fails['scn-inject'])
        self.assertIn('reported no result', fails['scn-inject'])
        self.assertTrue(any('malformed' in p for p in problems), problems)
        self.assertTrue(any('did not finish' in p for p in problems),
                        problems)
        self.assertEqual(ch.running(), 'scn-inject')
        self.assertEqual(ch.facts['clock'], 'refined-jiffies')

    def test_timeout_names_running_test(self):
        ch = read('chan-broken.chan')
        cases, problems = channel.verdict(
            ch, ['scn-stop', 'scn-interrupt', 'scn-inject'], timed_out=True)
        fails = {c.name: c.detail for c in cases if c.status == 'FAIL'}
        self.assertIn('timed out', fails['scn-inject'])

    def test_ktap_block(self):
        ch = read('chan-ktap.chan')
        self.assertEqual(ch.modules, ['ttm_backup_test'])
        self.assertEqual(ch.ktap['ttm_backup'][3], '    # Subtest: ttm_backup')
        cases, problems = channel.verdict(ch, ['ttm-kunit'])
        self.assertEqual(problems, [])
        self.assertEqual([c.name for c in cases], ['kunit-vm.modules'])

    def test_empty_channel(self):
        cases, problems = channel.verdict(channel.parse([]), ['report'])
        self.assertEqual([(c.name, c.status) for c in cases],
                         [('report', 'FAIL')])
        self.assertTrue(problems)


if __name__ == '__main__':
    unittest.main()
