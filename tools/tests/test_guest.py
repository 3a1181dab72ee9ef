# SPDX-License-Identifier: GPL-2.0
"""The guest side, statically: every test a run names exists, and every
guest script is shellcheck-clean."""

import glob
import os
import shutil
import subprocess
import unittest

from ttmhlib import settings, vm


class Guest(unittest.TestCase):
    def test_every_run_names_existing_tests(self):
        for run in vm.RUNS.values():
            for t in run.tests:
                path = os.path.join(settings.GUEST, 'tests', t)
                self.assertTrue(os.access(path, os.X_OK),
                                '%s: no executable %s' % (run.name, path))

    def test_cmdline_carries_the_run(self):
        run = vm.RUNS['zram']
        cmd = run.kernel_cmdline().split()
        self.assertIn('ttmh.swapdev=zram', cmd)
        self.assertIn('ttmh.tests=%s' % ','.join(run.tests), cmd)
        self.assertIn('ttmh.shrink=0', vm.RUNS['legacy'].kernel_cmdline())

    def test_shellcheck_clean(self):
        sc = shutil.which('shellcheck')
        self.assertIsNotNone(sc, 'shellcheck is not installed (make deps)')
        files = [os.path.join(settings.GUEST, 'init')]
        files += sorted(glob.glob(os.path.join(settings.GUEST, 'lib', '*')))
        files += sorted(glob.glob(os.path.join(settings.GUEST, 'tests', '*')))
        r = subprocess.run([sc, '-s', 'sh', '-x', '-P', settings.GUEST] +
                           files, capture_output=True, text=True,
                           cwd=settings.ROOT)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)


if __name__ == '__main__':
    unittest.main()
