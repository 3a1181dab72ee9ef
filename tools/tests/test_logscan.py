# SPDX-License-Identifier: GPL-2.0
"""The splat scanner on recorded logs (tools/tests/logs)."""

import contextlib
import io
import os
import unittest

from ttmhlib import logscan

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')


def scan(name, allow=None):
    return logscan.scan_log(os.path.join(LOGS, name), allow)


def has(splats, text):
    return any(text in s for s in splats)


class ScanLog(unittest.TestCase):
    def test_lockdep_then_kasan_reports_both(self):
        s = scan('lockdep-then-kasan.log')
        self.assertTrue(has(s, 'possible circular locking dependency'), s)
        self.assertTrue(has(s, 'BUG: KASAN: slab-use-after-free'), s)
        self.assertEqual(len(s), 2, s)

    def test_rcu_warning_does_not_hide_next_warning(self):
        s = scan('rcu-then-warning.log')
        self.assertTrue(has(s, 'suspicious RCU usage'), s)
        self.assertTrue(has(s, 'ttm_tt.c:412'), s)
        self.assertEqual(len(s), 2, s)

    def test_oom_report_without_kill_does_not_hide_bug(self):
        s = scan('oom-no-kill-then-bug.log')
        self.assertTrue(has(s, 'BUG: kernel NULL pointer dereference'), s)
        self.assertTrue(has(s, 'Oops'), s)

    def test_allocation_failure_of_oom_victim_is_expected(self):
        self.assertEqual(scan('oom-victim-allocfail.log'), [])

    def test_allocation_failure_of_other_task_is_a_splat(self):
        s = scan('allocfail-not-victim.log')
        self.assertEqual(len(s), 1, s)
        self.assertTrue(has(s, 'page allocation failure'), s)
        self.assertTrue(has(s, 'was not OOM-killed'), s)

    def test_nonblocking_allocation_failure_is_not_a_splat(self):
        # Recorded in driver-scenarios (scn-caching): virtio-blk's
        # GFP_ATOMIC allocation of indirect descriptors failed under swap
        # I/O; it falls back to direct ones.
        self.assertEqual(scan('atomic-allocfail.log'), [])

    def test_oom_kill_is_not_a_splat(self):
        self.assertEqual(scan('clean-oom-kill.log'), [])

    def test_allowed_warning_only_in_its_test(self):
        s = scan('allowed-warning.log')
        self.assertEqual(len(s), 1, s)
        self.assertTrue(has(s, 'in ttm_bo_reserve_double_resv'), s)

    def test_nothing_allowed_without_allowlist(self):
        self.assertEqual(len(scan('allowed-warning.log', allow=[])), 2)

    def test_allocation_failure_in_shrinker_writeback_is_reported(self):
        # Recorded in the zram run: kswapd's zram allocation fails under
        # the shrinker's synchronous writeback. Not an OOM victim: a splat.
        s = scan('zram-allocfail-in-shrinker.log')
        self.assertEqual(len(s), 1, s)
        self.assertTrue(has(s, 'kswapd0: page allocation failure'), s)

    def test_zram_allocation_failure_in_pageout_is_not_a_splat(self):
        # Recorded in the zram run (2026-12-01): page reclaim's own
        # pageout() to zram failed zram's allocation in kswapd, with no
        # TTM frame; the same failure under the shrinker stays a splat
        # (test_allocation_failure_in_shrinker_writeback_is_reported).
        self.assertEqual(scan('zram-allocfail-in-pageout.log'), [])

    def test_stray_call_trace(self):
        s = scan('stray-call-trace.log')
        self.assertEqual(len(s), 1, s)
        self.assertTrue(has(s, 'outside any report'), s)

    def test_line_numbers(self):
        s = scan('lockdep-then-kasan.log')
        self.assertTrue(s[0].startswith('line 4: '), s)

    def test_command_exit_status(self):
        class Args:
            allow = None
            logs = [os.path.join(LOGS, 'clean-oom-kill.log')]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(logscan.main(Args), 0)
            Args.logs.append(os.path.join(LOGS, 'lockdep-then-kasan.log'))
            self.assertEqual(logscan.main(Args), 1)
        self.assertIn('BUG: KASAN', out.getvalue())


if __name__ == '__main__':
    unittest.main()
