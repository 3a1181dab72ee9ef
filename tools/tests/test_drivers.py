# SPDX-License-Identifier: GPL-2.0
"""make test-drivers, host side: the i915 mock selftest parse, the xe
KTAP, the dumb-bo figures and the base/series comparison, on logs in
tools/tests/logs/drivers-*.  Those logs are SYNTHETIC, hand-made from the
formats of i915 6.12, KUnit and userspace/dumb-bo.c (their first line
says so), except drivers-i915-mock-recorded.log, recorded from the first
"make test-drivers".  The *-fail / *-optedin logs are bad data on
purpose: the checks must fail on them, and the tests below assert that
they do."""

import dataclasses
import os
import unittest
from unittest import mock

from ttmhlib import channel, drivers, kbuild, results, series, settings, vm

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')
HAVE_TREE = os.path.isdir(os.path.join(settings.TREE, 'drivers'))
HAVE_PARSER = os.path.isdir(series.kunit_tool_path())

# The mock selftests of i915 6.12 (i915_mock_selftests.h), for the tests
# that run without build/linux.
I915_MOCK = ['sanitycheck', 'shmem', 'fence', 'scatterlist', 'syncmap',
             'uncore', 'ring', 'engine', 'timelines', 'requests', 'objects',
             'phys', 'dmabuf', 'vma', 'evict', 'gtt', 'hugepages',
             'memory_region']


def lines(name):
    with open(os.path.join(LOGS, name)) as f:
        return f.readlines()


def chan(name):
    return channel.read(os.path.join(LOGS, name))


def status(cases):
    return {c.name: c.status for c in cases}


class I915Mock(unittest.TestCase):
    def test_every_selftest_passes(self):
        parsed = drivers.parse_i915_mock(lines('drivers-i915-mock-pass.log'))
        self.assertEqual(parsed['seed'], '0x1f2e3d4c')
        cases, summary = drivers.i915_cases(parsed, I915_MOCK, '-25', set())
        st = status(cases)
        self.assertEqual(st['i915_mock.selftests'], 'PASS', cases[-1])
        self.assertEqual({v for k, v in st.items()}, {'PASS'})
        self.assertEqual(len(cases), len(I915_MOCK) + 1)
        self.assertIn('i915_gem_object_mock_selftests/igt_gem_object',
                      summary['subtests'])

    def test_failure_stops_the_run(self):
        # Bad data on purpose: "objects" fails with -EINVAL.
        parsed = drivers.parse_i915_mock(lines('drivers-i915-mock-fail.log'))
        cases, summary = drivers.i915_cases(parsed, I915_MOCK, '-22', set())
        st = status(cases)
        self.assertEqual(st['i915_mock.requests'], 'PASS')
        self.assertEqual(st['i915_mock.objects'], 'FAIL')
        self.assertIn('igt_gem_object: -22',
                      [c for c in cases
                       if c.name == 'i915_mock.objects'][0].detail)
        for later in ('phys', 'memory_region'):
            self.assertEqual(st['i915_mock.' + later], 'FAIL')
        self.assertEqual(st['i915_mock.selftests'], 'FAIL')

    def test_module_and_console_must_agree(self):
        # The console shows a failure, the parameter claims success.
        parsed = drivers.parse_i915_mock(lines('drivers-i915-mock-fail.log'))
        cases, _ = drivers.i915_cases(parsed, I915_MOCK, '-25', set())
        whole = [c for c in cases if c.name == 'i915_mock.selftests'][0]
        self.assertEqual(whole.status, 'FAIL')
        self.assertIn('disagree', whole.detail)
        # No selftest line at all (a module that did not load).
        cases, _ = drivers.i915_cases(drivers.parse_i915_mock([]),
                                      I915_MOCK, None, set())
        self.assertEqual({c.status for c in cases}, {'FAIL'})

    def test_comparison(self):
        ok = drivers.i915_cases(drivers.parse_i915_mock(
            lines('drivers-i915-mock-pass.log')), I915_MOCK, '-25',
            set())[1]
        bad = drivers.i915_cases(drivers.parse_i915_mock(
            lines('drivers-i915-mock-fail.log')), I915_MOCK, '-22',
            set())[1]
        ok['splats'] = bad['splats'] = 0
        self.assertEqual(drivers.compare('i915_mock', ok, dict(ok)).status,
                         'PASS')
        case = drivers.compare('i915_mock', ok, bad)
        self.assertEqual(case.status, 'FAIL')
        self.assertIn('mock_selftests=-25 on the base, -22', case.detail)
        self.assertEqual(drivers.compare('i915_mock', ok, None).status,
                         'FAIL')

    SPLINTERED = ('i915_mock', 'intel_memory_region_mock_selftests/'
                  'igt_mock_splintered_region: -22')

    def test_known_failure_of_the_base(self):
        # Recorded: 6.12.117's igt_mock_splintered_region fails (-EINVAL)
        # and stops the run, with or without the series.
        parsed = drivers.parse_i915_mock(
            lines('drivers-i915-mock-recorded.log'))
        cases, _ = drivers.i915_cases(parsed, I915_MOCK, '-22', set())
        self.assertEqual(status(cases)['i915_mock.memory_region'], 'FAIL')
        self.assertEqual(status(cases)['i915_mock.selftests'], 'FAIL')
        cases, summary = drivers.i915_cases(parsed, I915_MOCK, '-22',
                                            {self.SPLINTERED})
        st = status(cases)
        self.assertEqual({v for v in st.values()}, {'PASS'}, cases)
        self.assertIn('known failure of the base', [
            c for c in cases if c.name == 'i915_mock.memory_region'][0]
            .detail)
        self.assertEqual(summary['verdict'], '-22')

    def test_known_failure_must_still_fail(self):
        # Bad data on purpose: listed as known, but the run passed it.
        parsed = drivers.parse_i915_mock(lines('drivers-i915-mock-pass.log'))
        cases, _ = drivers.i915_cases(parsed, I915_MOCK, '-25',
                                      {self.SPLINTERED})
        whole = [c for c in cases if c.name == 'i915_mock.selftests'][0]
        self.assertEqual(whole.status, 'FAIL')
        self.assertIn('known failure did not fail', whole.detail)
        # Another error than the known one is a failure.
        other = [ln.replace('error -22', 'error -12') for ln in
                 lines('drivers-i915-mock-recorded.log')]
        cases, _ = drivers.i915_cases(drivers.parse_i915_mock(other),
                                      I915_MOCK, '-12', {self.SPLINTERED})
        self.assertEqual(status(cases)['i915_mock.memory_region'], 'FAIL')

    def test_guest_verdict_of_a_known_failure(self):
        guest = [results.Case('i915_mock', 'FAIL', None, 'mock_selftests=-22'),
                 results.Case('i915_mock.unload', 'PASS', None, '')]
        drivers.accept_known(guest, {'verdict': '-12',
                                     'known': [self.SPLINTERED[1]]})
        self.assertEqual(guest[0].status, 'FAIL')
        drivers.accept_known(guest, {'verdict': '-22', 'known': []})
        self.assertEqual(guest[0].status, 'FAIL')
        drivers.accept_known(guest, {'verdict': '-22',
                                     'known': [self.SPLINTERED[1]]})
        self.assertEqual(guest[0].status, 'PASS')

    def test_known_failures_file(self):
        self.assertIn(self.SPLINTERED, drivers.known_failures())

    @unittest.skipUnless(HAVE_TREE, 'no build/linux: run "make tree"')
    def test_expected_list_is_the_trees(self):
        self.assertEqual(drivers.i915_expected(settings.TREE), I915_MOCK)


@unittest.skipUnless(HAVE_PARSER, 'no build/linux: run "make tree"')
class XeKunit(unittest.TestCase):
    SUITES = ['args', 'xe_pci', 'xe_rtp', 'xe_wa']

    def cases(self, name):
        return drivers.xe_cases(chan(name), [], self.SUITES)

    def test_pass(self):
        cases, summary = self.cases('drivers-xe-series.chan')
        st = status(cases)
        self.assertEqual(st['xe_kunit'], 'PASS', cases[-1])
        self.assertEqual(st['xe_kunit.xe_wa.xe_wa_gt.DG2_G10 (C0)'], 'PASS')
        self.assertEqual(summary['suites'], self.SUITES)

    def test_failing_case_fails_the_run_and_the_comparison(self):
        # Bad data on purpose: a case of xe_wa fails on the series.
        cases, bad = self.cases('drivers-xe-series-fail.chan')
        self.assertEqual(status(cases)['xe_kunit'], 'FAIL')
        _, base = self.cases('drivers-xe-base.chan')
        base['splats'] = bad['splats'] = 0
        case = drivers.compare('xe_kunit', base, bad)
        self.assertEqual(case.status, 'FAIL')
        self.assertIn('DG2_G10 (C0) PASS/FAIL', case.detail)
        _, good = self.cases('drivers-xe-series.chan')
        good['splats'] = 0
        self.assertEqual(drivers.compare('xe_kunit', base, good).status,
                         'PASS')

    def test_missing_suite(self):
        cases, _ = drivers.xe_cases(chan('drivers-xe-series.chan'), [],
                                    self.SUITES + ['xe_migrate'])
        self.assertIn('xe_migrate', [c for c in cases
                                     if c.name == 'xe_kunit'][0].detail)

    @unittest.skipUnless(HAVE_TREE, 'no build/linux')
    def test_suites_are_the_trees(self):
        self.assertEqual(sorted(drivers.xe_suites(settings.TREE)),
                         self.SUITES)


class DumbBo(unittest.TestCase):
    def run_of(self, name, which):
        ch = chan(name)
        self.assertEqual(channel.verdict(ch, ['drv-dumb-bo'])[1], [])
        return drivers.dumb_cases('qxl', drivers.parse_dumb(
            ch.words('REPORT')), which)

    def test_base_and_series_pass_and_match(self):
        cb, sb = self.run_of('drivers-qxl-base.chan', 'base')
        cs, ss = self.run_of('drivers-qxl-series.chan', 'series')
        for c in cb + cs:
            self.assertEqual(c.status, 'PASS', c)
        self.assertEqual(sb['offload'], [22535, 22525, 22625])
        self.assertEqual(ss['offload'], [22528, 22528, 22625])
        sb['splats'] = ss['splats'] = 0
        case = drivers.compare('qxl', sb, ss)
        self.assertEqual(case.status, 'PASS', case.detail)

    def test_opted_in_driver_fails(self):
        # Bad data on purpose: the series opted qxl in to the shrinker,
        # which backed its pages up instead of TTM's global swapout.
        cases, bad = self.run_of('drivers-qxl-series-optedin.chan',
                                 'series')
        st = status(cases)
        self.assertEqual(st['qxl.legacy_path'], 'FAIL')
        self.assertEqual(st['qxl.not_opted_in'], 'FAIL')
        detail = [c for c in cases if c.name == 'qxl.not_opted_in'][0].detail
        self.assertIn('opted in to the TTM shrinker: device 0000:00:02.0',
                      detail)
        self.assertIn('backed_up_pages 0 before, 24000 after', detail)
        _, base = self.run_of('drivers-qxl-base.chan', 'base')
        base['splats'] = bad['splats'] = 0
        case = drivers.compare('qxl', base, bad)
        self.assertEqual(case.status, 'FAIL')
        self.assertIn('pages swapped out differ', case.detail)
        self.assertIn('opted_in: False on the base, True', case.detail)

    def test_base_with_a_shrinker_is_not_the_base(self):
        cases, _ = self.run_of('drivers-qxl-series.chan', 'base')
        self.assertEqual(status(cases)['qxl.not_opted_in'], 'FAIL')

    def test_buffers_lost_or_limit_not_reached(self):
        ch = chan('drivers-qxl-base.chan')
        rep = [ln.replace('intact=80', 'intact=79') if ' pass=2 ' in ln
               else ln for ln in ch.words('REPORT')]
        cases, s = drivers.dumb_cases('qxl', drivers.parse_dumb(rep), 'base')
        self.assertEqual(status(cases)['qxl.legacy_path'], 'FAIL')
        self.assertEqual(s['intact'], [80, 79])
        rep = [ln.replace('want=80', 'want=40').replace('n=80', 'n=40')
               for ln in ch.words('REPORT')]
        cases, _ = drivers.dumb_cases('qxl', drivers.parse_dumb(rep), 'base')
        detail = [c for c in cases if c.name == 'qxl.legacy_path'][0].detail
        self.assertIn('do not exceed the limit', detail)

    def test_debugfs_parsers(self):
        counters, devices = drivers.shrinker_info(
            'shrinkable_pages 5|scans 2|device 0000:00:02.0 '
            'shrinkable_pages 5 purgeable_pages 0|')
        self.assertEqual(counters, {'shrinkable_pages': 5, 'scans': 2})
        self.assertEqual(len(devices), 1)
        self.assertEqual(drivers.pool_total('uc : 0 0|total : 12 of 59750|'),
                         (12, 59750))
        self.assertEqual(drivers.pool_total(None), (None, None))


class OneRun(unittest.TestCase):
    """drivers.run_one from the boot on: the channel and the console of a
    (synthetic) run become the run's record and its summary."""

    def boot(self, chan_name, console_name):
        def fake(run, kernel, tag=None):
            return (chan(chan_name), os.path.join(LOGS, console_name), 12.5,
                    False)
        return mock.patch.object(drivers.vm, 'boot', side_effect=fake)

    @unittest.skipUnless(HAVE_TREE, 'no build/linux: run "make tree"')
    def test_i915_run(self):
        run = [r for r in vm.DRIVER_RUNS if r.name == 'i915_mock'][0]
        with self.boot('drivers-i915-series.chan',
                       'drivers-i915-mock-pass.log'), \
                mock.patch.object(drivers, 'KNOWN_FAILURES', '/nonexistent'):
            rec, summary = drivers.run_one(run, None, 'series')
        self.assertEqual(rec.name, 'vm-drivers-series-i915_mock')
        self.assertEqual(rec.problems, [])
        st = status(rec.cases)
        self.assertEqual(st['i915_mock'], 'PASS')
        self.assertEqual(st['i915_mock.selftests'], 'PASS')
        self.assertEqual(rec.counts(), (len(I915_MOCK) + 3, 0, 0))
        self.assertEqual(summary['verdict'], '-25')
        self.assertEqual(summary['splats'], 0)
        self.assertEqual(rec.facts['kernel'], 'x86-drivers')

    def test_qxl_run(self):
        run = [r for r in vm.DRIVER_RUNS if r.name == 'qxl'][0]
        # A failing run prints its console's tail: not here.
        with self.boot('drivers-qxl-series-optedin.chan',
                       'clean-oom-kill.log'), mock.patch('builtins.print'):
            rec, summary = drivers.run_one(run, None, 'series')
        st = status(rec.cases)
        self.assertEqual(st['qxl'], 'PASS')      # the client's own verdict
        self.assertEqual(st['qxl.not_opted_in'], 'FAIL')
        self.assertTrue(summary['opted_in'])


class Runs(unittest.TestCase):
    def test_driver_runs(self):
        names = [r.name for r in vm.DRIVER_RUNS]
        self.assertEqual(names, ['i915_mock', 'xe_kunit', 'qxl', 'bochs'])
        for n in names:
            self.assertNotIn(n, vm.RUNS)
            self.assertNotIn(n, vm.TEST_RUNS)
        for r in vm.DRIVER_RUNS:
            for t in r.tests:
                self.assertTrue(os.access(os.path.join(
                    settings.GUEST, 'tests', t), os.X_OK), t)

    def test_qemu_args(self):
        k = vm.Kernel('/k', '/k/initramfs')
        runs = {r.name: r for r in vm.DRIVER_RUNS}
        cmd = vm.qemu_cmd(runs['qxl'], k, 'disk', 'con', 'chan')
        self.assertEqual(cmd[cmd.index('-vga') + 1], 'qxl')
        cmd = vm.qemu_cmd(runs['bochs'], k, 'disk', 'con', 'chan')
        self.assertIn('bochs-display', cmd)
        self.assertEqual(cmd[cmd.index('-vga') + 1], 'none')
        # The make test runs: no display argument, as before.
        for r in vm.RUNS.values():
            self.assertEqual(r.qemu_args, ())
            cmd = vm.qemu_cmd(r, k, 'disk', 'con', 'chan')
            self.assertNotIn('-vga', cmd)
            self.assertEqual(cmd[:12], [
                'qemu-system-x86_64', '-m', str(r.ram), '-smp', str(r.cpus),
                '-kernel', k.image, '-initrd', k.initramfs, '-no-reboot',
                '-drive', 'file=disk,if=virtio,format=raw'])
            self.assertEqual(cmd[12:14], ['-display', 'none'])
        same = dataclasses.replace(runs['qxl'], qemu_args=())
        self.assertNotIn('-vga', vm.qemu_cmd(same, k, 'd', 'c', 'h'))

    @unittest.skipUnless(HAVE_TREE, 'no build/linux: run "make tree"')
    def test_drivers_config_symbols_exist(self):
        known = kbuild.kconfig_symbols(os.path.join(settings.TREE,
                                                    'drivers', 'gpu'))
        known |= kbuild.kconfig_symbols(os.path.join(settings.TREE,
                                                     'drivers', 'pci'))
        with open(os.path.join(settings.CONFIG, 'drivers.config')) as f:
            syms = [ln.split('=')[0][len('CONFIG_'):] for ln in f
                    if ln.startswith('CONFIG_')]
        self.assertTrue(syms)
        self.assertEqual([s for s in syms if s not in known], [])

    def test_results_file_is_its_own(self):
        self.assertNotEqual(drivers.RESULTS_JSON, settings.RESULTS_JSON)
        r = results.Run('drivers-compare', 'compare')
        r.cases.append(drivers.compare('qxl', None, {}))
        self.assertEqual(r.counts(), (0, 1, 0))


if __name__ == '__main__':
    unittest.main()
