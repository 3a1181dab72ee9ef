# SPDX-License-Identifier: GPL-2.0
"""make deb's boot check, host side: which package is the kernel, the VM
run it boots, and the verdict on a recorded channel.

deb-control-6.1.chan is RECORDED (its first line says so): the boot check
run on Debian's own 6.1 kernel package (tools/ttmh deb --debs), a kernel
without the series. It must fail exactly the checks of what the series
adds, and pass the rest: that is the check made to fail on purpose.
deb-ttm69.chan is the same check on make deb's own packages (69 patches),
recorded: every check passes."""

import os
import unittest

from ttmhlib import channel, debboot, proc, settings

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')


class Release(unittest.TestCase):
    def test_ours(self):
        self.assertEqual(debboot.image_release([
            '/x/linux-headers-6.12.117-ttm_6.12.117-1+ttm66_amd64.deb',
            '/x/linux-image-6.12.117-ttm_6.12.117-1+ttm66_amd64.deb']),
            '6.12.117-ttm')

    def test_debians(self):
        self.assertEqual(debboot.image_release([
            'linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb']),
            '6.1.0-57-amd64')

    def test_not_the_debug_package(self):
        self.assertEqual(debboot.image_release([
            'linux-image-6.12.117-ttm-dbg_6.12.117-1+ttm66_amd64.deb',
            'linux-image-6.12.117-ttm_6.12.117-1+ttm66_amd64.deb']),
            '6.12.117-ttm')

    def test_none_or_two(self):
        with self.assertRaises(proc.Failure):
            debboot.image_release(['linux-libc-dev_6.12.117-1_amd64.deb'])
        with self.assertRaises(proc.Failure):
            debboot.image_release([
                'linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb',
                'linux-image-6.12.117-ttm_6.12.117-1+ttm66_amd64.deb'])


class Run(unittest.TestCase):
    def test_boots_the_root_with_the_guest_init(self):
        run = debboot.deb_run('6.12.117-ttm')
        cmd = run.kernel_cmdline().split()
        for w in ('root=/dev/vdb', 'rw', 'init=/guest/init',
                  'ttmh.tests=deb-check', 'ttmh.release=6.12.117-ttm'):
            self.assertIn(w, cmd)
        self.assertIn('qxl', run.qemu_args)
        self.assertIn('bochs-display', run.qemu_args)
        test = os.path.join(settings.GUEST, 'tests', 'deb-check')
        self.assertTrue(os.access(test, os.X_OK))

    def test_mirror_from_the_environment(self):
        old = os.environ.get('DEB_MIRROR')
        os.environ['DEB_MIRROR'] = 'http://mirror.example/debian'
        try:
            self.assertEqual(debboot.mirror(), 'http://mirror.example/debian')
        finally:
            if old is None:
                del os.environ['DEB_MIRROR']
            else:
                os.environ['DEB_MIRROR'] = old


def recorded(test, name):
    """The verdict on the recorded channel @name: {case: status}."""
    ch = channel.read(os.path.join(LOGS, name))
    cases, problems = channel.verdict(ch, ['deb-check'])
    test.assertEqual(problems, [])
    return {c.name: c.status for c in cases}


class Control(unittest.TestCase):
    """Debian's 6.1 kernel: what the series adds fails, the rest passes."""

    def test_control_fails_only_the_series_checks(self):
        got = recorded(self, 'deb-control-6.1.chan')
        failed = sorted(n for n, s in got.items() if s == 'FAIL')
        self.assertEqual(failed, ['deb.amdgpu_opt_in', 'deb.load.xe',
                                  'deb.not_opted_in', 'deb.ttm_params'])
        for n in ('deb.release', 'deb.signed', 'deb.qxl', 'deb.bochs',
                  'deb.load.amdgpu', 'deb.load.i915'):
            self.assertEqual(got[n], 'PASS', n)


class Ours(unittest.TestCase):
    """make deb's own packages (69 patches): every check passes."""

    def test_every_check_passes(self):
        got = recorded(self, 'deb-ttm69.chan')
        self.assertEqual(len(got), 13)
        self.assertEqual(sorted(n for n, s in got.items() if s != 'PASS'),
                         [])
        # The same checks the control ran, so that both are comparable.
        self.assertEqual(sorted(got),
                         sorted(recorded(self, 'deb-control-6.1.chan')))


if __name__ == '__main__':
    unittest.main()
