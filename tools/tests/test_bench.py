# SPDX-License-Identifier: GPL-2.0
"""make bench's host side on channel output of guest/tests/bench
(tools/tests/logs/bench-*.chan): parse, the figures per backend, the
best backend, the failures (a backend the kernel cannot select, an insert
arm that inserted nothing, lost data), the page-cluster table, the
profile, the documents, and the time estimate.

The bench-*.chan files are the output of guest/tests/bench itself, run
by busybox sh outside a VM against stand-ins for the kernel files, hog
and vttm-work that move the debugfs counters and report plausible times
(copy slower than anonymous memory, insert faster): the line format is
the script's, the numbers are not measurements.
  bench-disk      3 rounds, both backends, every arm, page-cluster
  bench-zram      the zram boot: 2 rounds of 128 MiB, swap, pressure, pc
  bench-profile   one round of the swap arms with profile counters
  bench-noparam   a kernel without ttm.backup_backend nor the inserted
                  counters: copy runs, insert is refused (guest FAIL)
  bench-noinsert  insert selected but nothing inserted (guest FAIL)
"""

import argparse
import contextlib
import copy
import io
import json
import os
import re
import shutil
import tempfile
import unittest
from unittest import mock

from ttmhlib import bench, channel, results, settings, vm

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')
BOTH = ['copy', 'insert']


def chan(name):
    return channel.read(os.path.join(LOGS, 'bench-%s.chan' % name))


def computed(name):
    return bench.compute(bench.parse(chan(name)), BOTH)


def args(**kw):
    a = dict(reps=3, mib=256, backends='copy,insert', pc_mib=128,
             zram_reps=2, zram_mib=128, no_zram=False, no_profile=False)
    a.update(kw)
    return argparse.Namespace(**a)


class Parse(unittest.TestCase):
    def test_lines_per_backend(self):
        p = bench.parse(chan('disk'))
        # The anonymous arms ran no TTM scan: no "scan-ns anon" lines.
        self.assertEqual(sorted(p.scans), ['copy', 'insert'])
        self.assertEqual(sorted(p.many), ['copy', 'insert'])
        swap = [d for a, d in p.rows if a == 'swap']
        # 3 rounds of anon + 2 paths x 2 backends.
        self.assertEqual(len(swap), 15)
        self.assertEqual(sorted({d['backend'] for d in swap}),
                         ['copy', 'insert', 'none'])
        self.assertEqual(len([1 for a, d in p.rows if a == 'pc']), 10)
        # One counters line at the start and after every arm.
        arms = [a for a, d in p.rows if a in ('swap', 'churn', 'pressure',
                                              'many', 'pc')]
        self.assertEqual(len(p.counters), len(arms) + 1)

    def test_backend_order_alternates(self):
        p = bench.parse(chan('disk'))
        order = {}
        for a, d in p.rows:
            if a == 'swap' and d['backend'] != 'none':
                order.setdefault(d['rep'], [])
                if d['backend'] not in order[d['rep']]:
                    order[d['rep']].append(d['backend'])
        self.assertEqual(order, {'1': BOTH, '2': BOTH[::-1], '3': BOTH})

    def test_one_backend_format_reads_as_copy(self):
        p = bench.parse([
            'setup mem_mib=491 bo_mib=256 reps=1 kernel=6.12.117',
            'hog0 rep=1 hog=completed hog_s=2.40',
            'swap kind=anon rep=1 out_mib=230 hog=completed hog_s=5.70 '
            'back_mib=230 verify_s=6.5 reverify_s=1.3 intact=5/5 rc=0',
            'swap kind=bo-fault rep=1 out_mib=256 hog=completed hog_s=8.0 '
            'back_mib=256 verify_s=9.6 reverify_s=1.3 intact=5/5 rc=0',
            'churn shrink=1 rep=1 mib_s=260 s=4', 'churn shrink=0 rep=1 '
            'mib_s=262 s=4', 'scan-ns 1000 2000000', 'many-ns 3000'])
        self.assertEqual(p.scans, {'copy': [1000, 2000000]})
        self.assertEqual(p.many, {'copy': [3000]})
        r = bench.compute(p)
        self.assertEqual(list(r['backends']), ['copy'])
        c = r['backends']['copy']
        self.assertEqual(c['shrink_ratio'], round((256 / 5.6) / (230 / 3.3),
                                                  3))
        self.assertEqual(c['populate_ratio'], round(260 / 262, 3))
        self.assertEqual(c['scan_max_ms'], 2.0)
        self.assertEqual(r['best_backend'], 'copy')


class Compute(unittest.TestCase):
    def test_both_backends_same_keys(self):
        r = computed('disk')
        self.assertEqual(sorted(r['backends']), BOTH)
        keys = set(r['backends']['copy'])
        self.assertEqual(keys, set(r['backends']['insert']))
        for k in ('shrink_ratio', 'restore_ratio', 'restore_fault_ratio',
                  'restore_validate_ratio', 'populate_ratio', 'scan_max_ms',
                  'scan_p99_ms', 'many_scan_max_ms', 'pressure_time_ratio',
                  'pressure_oom_kills', 'arms', 'inserted',
                  'insert_fallback', 'targets', 'failures', 'counters'):
            self.assertIn(k, keys)
        self.assertEqual(r['failures'], [])
        self.assertEqual(r['pages_lost'], 0)

    def test_backends_against_the_same_anonymous_arms(self):
        r = computed('disk')
        anon = r['anon']['arms']['restore.anon']['median']
        self.assertEqual(anon, r['anon']['arms']['restore.anon']['median'])
        for b in BOTH:
            f = r['backends'][b]
            self.assertEqual(f['restore_fault_ratio'], round(
                f['arms']['restore.bo-fault']['median'] / anon, 3))
            self.assertNotIn('restore.anon', f['arms'])
        # 3 anonymous shrink arms, 6 per backend (fault and validate).
        self.assertEqual(r['anon']['arms']['shrink.anon']['n'], 3)
        self.assertEqual(r['backends']['copy']['arms']['shrink.bo']['n'], 6)

    def test_figures_per_backend(self):
        r = computed('disk')
        c, i = r['backends']['copy'], r['backends']['insert']
        self.assertLess(c['shrink_ratio'], 0.9)
        self.assertGreater(i['shrink_ratio'], 1.0)
        self.assertEqual(c['inserted'], 0)
        self.assertGreater(i['inserted'], 0)
        self.assertGreater(i['inserted_by_arm']['swap.bo-fault'], 0)
        self.assertGreater(i['inserted_by_arm']['many'], 0)
        self.assertEqual(i['many_objects'], 10000)
        self.assertEqual(c['counters']['backup.inserted'], 0)
        self.assertEqual(i['counters']['backup.inserted'], i['inserted'])
        # Scans are each backend's own: the insert arms' are shorter.
        self.assertGreater(c['scan_max_ms'], 10)
        self.assertLess(i['scan_max_ms'], 10)
        self.assertEqual(c['scan_count'] + i['scan_count'] +
                         r['anon']['scan_count'],
                         sum(len(v) for v in bench.parse(
                             chan('disk')).scans.values()))

    def test_targets_differ_per_backend(self):
        r = computed('disk')
        t = r['targets']
        self.assertEqual(t['copy']['shrink_ratio']['target'], '>= 0.9')
        self.assertEqual(t['insert']['shrink_ratio']['target'], '>= 1.0')
        for b in BOTH:
            self.assertEqual(t[b]['restore_ratio']['target'], '>= 0.9')
            self.assertEqual(t[b]['populate_ratio']['target'], '>= 0.98')
            self.assertEqual(t[b]['scan_max_ms']['target'], '<= 10.0')
            self.assertEqual(t[b]['many_scan_max_ms']['target'], '<= 10.0')
            self.assertEqual(t[b]['pressure_oom_kills']['target'], '<= 0')
            self.assertEqual(t[b]['pressure_time_ratio']['target'], '<= 1.1')
        self.assertIs(t['copy']['shrink_ratio']['met'], False)
        self.assertIs(t['insert']['shrink_ratio']['met'], True)

    def test_best_backend_is_on_top(self):
        r = computed('disk')
        self.assertEqual(r['best_backend'], 'insert')
        for k in ('shrink_ratio', 'restore_ratio', 'scan_max_ms'):
            self.assertEqual(r[k], r['backends']['insert'][k])

    def test_page_cluster(self):
        pc = computed('disk')['page_cluster']
        self.assertEqual(sorted(pc), ['0', '3'])
        for v in pc.values():
            self.assertEqual(sorted(v['ratios']), [
                'copy.bo-fault', 'copy.bo-validate', 'insert.bo-fault',
                'insert.bo-validate'])
            self.assertEqual(v['anon']['n'], 1)
        text = bench.pc_table(pc)
        self.assertIn('page-cluster 0', text)
        self.assertIn('insert, validate path', text)

    def test_readahead(self):
        # The ra arm's lines are the pc arm's with the other setting key:
        # made from bench-disk's pc lines (page-cluster 0 -> readahead 0,
        # 3 -> 1024 KiB).
        with open(os.path.join(LOGS, 'bench-disk.chan'),
                  errors='replace') as f:
            lines = f.read().splitlines(True)
        extra = [re.sub(r'page_cluster=0', 'readahead_kb=0',
                        re.sub(r'page_cluster=3', 'readahead_kb=1024',
                               ln.replace('TTMH-BENCH pc ',
                                          'TTMH-BENCH ra ')))
                 for ln in lines if 'TTMH-BENCH pc ' in ln]
        end = next(i for i, ln in enumerate(lines) if 'BENCH-INFO' in ln
                   or 'TTMH-END' in ln)
        ch = channel.parse(lines[:end] + extra + lines[end:])
        r = bench.compute(bench.parse(ch), BOTH)
        ref = computed('disk')
        self.assertEqual(sorted(r['readahead']), ['0', '1024'])
        self.assertEqual(r['readahead']['0'], ref['page_cluster']['0'])
        self.assertEqual(r['readahead']['1024'], ref['page_cluster']['3'])
        # The experiment's arms count in no figure of the rounds.
        for k in ('shrink_ratio', 'restore_ratio', 'scan_max_ms'):
            self.assertEqual(r['backends']['insert'][k],
                             ref['backends']['insert'][k])
        self.assertEqual(ref['readahead'], {})
        text = bench.pc_table(r['readahead'], bench.RA_HEAD)
        self.assertIn('readahead 1024 KiB', text)
        self.assertIn('copy, CPU fault path', text)
        self.assertEqual(bench.pc_table(ref['readahead'], bench.RA_HEAD),
                         '(not run)')

    def test_zram_run(self):
        r = computed('zram')
        self.assertEqual(r['setup']['swapdev'], 'zram')
        # The hog leaves zram room for 3/8 of the arms' size.
        self.assertEqual(r['setup']['hog_mib'],
                         r['setup']['avail_mib'] - 32 - 128 * 3 // 8)
        self.assertEqual(r['failures'], [])
        self.assertIsNotNone(r['backends']['insert']['shrink_ratio'])
        self.assertIsNone(r['backends']['copy']['populate_ratio'])
        self.assertEqual(sorted(r['page_cluster']), ['0', '3'])
        cases, problems = channel.verdict(chan('zram'), ['bench'])
        self.assertEqual(problems, [])
        self.assertEqual([(c.name, c.status) for c in cases],
                         [('bench.zram', 'PASS')])


class Best(unittest.TestCase):
    def fig(self, met, shrink, restore, failures=()):
        return {'targets_met': met, 'shrink_ratio': shrink,
                'restore_ratio': restore, 'failures': list(failures)}

    def test_most_targets_wins(self):
        self.assertEqual(bench.best_backend({
            'copy': self.fig(5, 0.9, 0.95), 'insert': self.fig(6, 0.8, 0.9)
        }), 'insert')

    def test_tie_goes_to_the_higher_lower_ratio(self):
        self.assertEqual(bench.best_backend({
            'copy': self.fig(6, 0.95, 0.91), 'insert': self.fig(6, 1.3, 0.9)
        }), 'copy')

    def test_a_failed_backend_is_not_best(self):
        self.assertEqual(bench.best_backend({
            'copy': self.fig(2, 0.6, 0.7),
            'insert': self.fig(7, 1.2, 1.1, ['inserted nothing'])}), 'copy')

    def test_no_figures_no_best(self):
        self.assertIsNone(bench.best_backend({
            'insert': self.fig(0, None, None, ['param=missing'])}))


class Failures(unittest.TestCase):
    def test_insert_that_inserted_nothing_fails(self):
        r = computed('noinsert')
        fails = r['backends']['insert']['failures']
        self.assertEqual(len(fails), 3, fails)
        self.assertTrue(all('inserted nothing' in f for f in fails), fails)
        self.assertEqual(r['backends']['insert']['inserted'], 0)
        self.assertGreater(r['backends']['insert']['insert_fallback'], 0)
        self.assertEqual(r['backends']['copy']['failures'], [])
        self.assertEqual(r['best_backend'], 'copy')
        # The guest failed the test as well.
        cases, problems = channel.verdict(chan('noinsert'), ['bench'])
        self.assertEqual([(c.name, c.status) for c in cases],
                         [('bench', 'FAIL')])
        self.assertIn('want > 0: backend insert', cases[0].detail)

    def test_missing_parameter_fails_insert_not_copy(self):
        r = computed('noparam')
        self.assertEqual(r['backends']['copy']['param'], 'missing')
        self.assertEqual(r['backends']['copy']['failures'], [])
        self.assertIsNone(r['backends']['copy']['inserted'])
        ins = r['backends']['insert']
        self.assertEqual(ins['param'], 'missing')
        self.assertEqual(len(ins['failures']), 1)
        self.assertIn('param=missing', ins['failures'][0])
        self.assertIsNone(ins['shrink_ratio'])
        self.assertIsNone(ins['pressure_oom_kills'])
        self.assertEqual(r['failures'], ['insert: ' + ins['failures'][0]])
        why = bench.verdict(r, [('disk', run_of(chan('noparam')))])
        self.assertTrue(any('param=missing' in w for w in why), why)
        self.assertTrue(any(w.startswith('disk: bench ') for w in why), why)

    def test_rejected_value_is_named(self):
        p = bench.parse(chan('disk'))
        p.rows = [(a, dict(d, param='rejected', value='[copy]_insert'))
                  if a == 'backend' and d['name'] == 'insert' else (a, d)
                  for a, d in p.rows]
        fails = bench.compute(p, BOTH)['backends']['insert']['failures']
        self.assertIn('param=rejected value=[copy]_insert', fails[0])

    def test_copy_arm_that_inserted_fails(self):
        p = bench.parse(chan('disk'))
        p.rows = [(a, dict(d, inserted='512')) if a == 'swap' and
                  d.get('backend') == 'copy' and d['rep'] == '2' else (a, d)
                  for a, d in p.rows]
        fails = bench.compute(p, BOTH)['backends']['copy']['failures']
        self.assertEqual(len(fails), 2, fails)
        self.assertIn('did not select it', fails[0])

    def test_lost_data_fails_its_backend(self):
        p = bench.parse(chan('disk'))
        p.rows = [(a, dict(d, intact='65530/65536', rc='1'))
                  if a == 'swap' and d.get('backend') == 'insert' and
                  d['kind'] == 'bo-validate' and d['rep'] == '3' else (a, d)
                  for a, d in p.rows]
        r = bench.compute(p, BOTH)
        self.assertEqual(r['pages_lost'], 1)
        self.assertEqual(r['backends']['insert']['pages_lost'], 1)
        self.assertEqual(r['backends']['copy']['pages_lost'], 0)
        self.assertIn('lost data', r['backends']['insert']['failures'][0])
        self.assertEqual(r['best_backend'], 'copy')
        self.assertTrue(bench.verdict(r, []))

    def test_lost_anonymous_data_fails(self):
        p = bench.parse(chan('disk'))
        p.rows = [(a, dict(d, rc='137')) if a == 'pressure' and
                  d['kind'] == 'anon' and d['rep'] == '1' else (a, d)
                  for a, d in p.rows]
        r = bench.compute(p, BOTH)
        self.assertEqual(r['anon']['pages_lost'], 1)
        self.assertTrue(r['failures'][0].startswith('anon: pressure'))

    def test_profile_failure_fails_the_bench(self):
        r = computed('disk')
        r['profile_failure'] = 'bench: the profile run failed'
        self.assertEqual(bench.verdict(r, []),
                         ['profile: bench: the profile run failed'])

    def test_zram_failures_fail_the_bench(self):
        r = computed('disk')
        r['zram'] = computed('noinsert')
        why = bench.verdict(r, [])
        self.assertEqual(len(why), 3, why)
        self.assertTrue(all(w.startswith('zram: insert: ') for w in why))

    def test_silent_or_failed_guest_test_fails(self):
        with open(os.path.join(LOGS, 'bench-disk.chan')) as f:
            lines = [ln for ln in f if 'TTMH-RESULT' not in ln]
        rec = run_of(channel.parse(lines))
        why = bench.verdict(computed('disk'), [('disk', rec)])
        self.assertEqual(len(why), 1, why)
        self.assertIn('reported no result', why[0])
        self.assertEqual(bench.verdict(computed('disk'), [
            ('disk', run_of(chan('disk')))]), [])


def run_of(ch):
    rec = results.Run('vm-bench', 'vm')
    rec.cases, rec.problems = channel.verdict(ch, ['bench'])
    return rec


class Profile(unittest.TestCase):
    def test_per_backend_counters(self):
        d = bench.counter_deltas(bench.parse(chan('profile')).counters)
        c = bench.profile_figures(d['copy'])
        i = bench.profile_figures(d['insert'])
        self.assertEqual(c['pages'], 131072)
        self.assertEqual(i['pages'], 131072)
        self.assertEqual(c['alloc_us_per_page'], 32.0)
        self.assertEqual(c['free_us_per_page'], 3.0)
        self.assertEqual(c['total_us_per_page'], 73.0)   # no finish_plug
        self.assertEqual(c['finish_plug_us_per_page'], 0.9)
        self.assertNotIn('copy_us_per_page', i)
        self.assertEqual(i['total_us_per_page'], 30.0)
        self.assertEqual(c['restore_total_us_per_page'], 162.5)
        self.assertEqual(i['restore_total_us_per_page'], 120.0)
        self.assertEqual(c['raw']['prof.pages'], 131072)
        # Only the anonymous arms' deltas go to "anon": none of these.
        self.assertEqual(d['anon'].get('prof.pages', 0), 0)

    def test_both_backends_profile_layout(self):
        # tools/bench-profile.patch for both backends (2026-12-01): the
        # copy steps per page copied, insert per page inserted, maxima
        # that are not counters.
        def line(backend, copied, inserted, alloc, copy_ns, ins_ns, queue,
                 chunk_max):
            return {'arm': 'swap', 'kind': 'bo-fault', 'backend': backend,
                    'rep': '1', 'backed_up_pages': str(copied + inserted),
                    'prof.shmem_alloc_ns': str(alloc),
                    'prof.copy_ns': str(copy_ns), 'prof.copied': str(copied),
                    'prof.insert_ns': str(ins_ns),
                    'prof.inserted': str(inserted),
                    'prof.queue_ns': str(queue),
                    'prof.chunk_max_ns': str(chunk_max),
                    'prof.finish_plug_ns': '0', 'rprof.pages': '0'}
        start = line('none', 0, 0, 0, 0, 0, 0, 0)
        cp = line('copy', 1000, 0, 32000000, 5000000, 0, 2000000, 900000)
        ins = line('insert', 1100, 1000, 32000000 + 3000000, 5000000 + 500000,
                   4000000, 2000000 + 2100000, 700000)
        d = bench.counter_deltas([start, cp, ins])
        self.assertNotIn('prof.chunk_max_ns', d['copy'])
        c = bench.profile_figures(d['copy'], {'prof.chunk_max_ns': 900000})
        i = bench.profile_figures(d['insert'])
        self.assertEqual(c['pages'], 1000)
        self.assertEqual(c['shmem_alloc_us_per_page'], 32.0)
        self.assertEqual(c['total_us_per_page'], 39.0)
        self.assertEqual(c['maxima'], {'prof.chunk_max_ns': 900000})
        self.assertEqual(i['pages'], 1100)
        self.assertEqual(i['insert_us_per_page'], 4.0)       # per inserted
        self.assertEqual(i['shmem_alloc_us_per_page'], 30.0)  # per copied
        self.assertEqual(i['queue_us_per_page'], round(2.1e6 / 1100 / 1e3,
                                                       2))
        self.assertEqual(i['total_us_per_page'], round(
            (3e6 + 5e5 + 4e6 + 2.1e6) / 1100 / 1e3, 2))

    def test_console_line_kept(self):
        log = os.path.join(LOGS, 'bench-profile.log')
        self.assertEqual(bench.parse_profile(log, 'prof')['pages'], 262144)
        self.assertEqual(bench.parse_profile(log, 'rprof')['alloc_ns'],
                         2582118400)

    def test_tail(self):
        # A BENCH-INFO line of a kernel with the per-step maxima and the
        # anonymous yardstick (the line format of debugfs ttm/shrinker).
        line = ('BENCH-INFO ttm/shrinker: shrinkable_pages 0 scans 9 mprof '
                'copy_alloc_max_ns 21677117 copy_max_ns 1278310 '
                'insert_max_ns 0 aprof anon_batch_max_ns 30500000 '
                'anon_batch_max_folios 32 anon_batches 4000 '
                'anon_batches_over_10ms 7 anon_batches_over_5ms 30 '
                'anon_folios 128000 sprof scan_max_ns 22716787 cpu_ns 1 '
                'prof copy_ns 5\n')
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'console.log')
            with open(log, 'w') as f:
                f.write(line)
            raw = {t: bench.parse_profile(log, t) for t in bench.PROFILE_TAGS}
        self.assertEqual(raw['mprof'], {'copy_alloc_max_ns': 21677117,
                                        'copy_max_ns': 1278310,
                                        'insert_max_ns': 0})
        self.assertEqual(raw['aprof']['anon_batches_over_10ms'], 7)
        self.assertEqual(raw['sprof']['scan_max_ns'], 22716787)
        md = bench.tail_md({'raw_info': raw})
        self.assertIn("the copy's shmem page allocation 21.677 ms; the copy "
                      "1.278 ms.", md)
        self.assertNotIn('insertion', md)           # 0: not timed
        self.assertIn('its longest shrink_folio_list() call took 30.500 ms '
                      'for 32 folios; 7 of its 4000 calls (128000 folios) '
                      'took over 10 ms, 30 over 5 ms.', md)
        self.assertIn('predates', bench.tail_md({}))

    def test_profile_md(self):
        d = bench.counter_deltas(bench.parse(chan('profile')).counters)
        p = {'backends': {b: bench.profile_figures(d[b]) for b in BOTH},
             'anon_us_per_page': 55.7, 'anon_restore_us_per_page': 88.2}
        md = bench.profile_md(p)
        self.assertIn('| step | copy µs/page | insert µs/page |', md)
        self.assertIn('| copy: copy the content (`copy_highpage()`), per '
                      'page copied | 5.0 | - |', md)
        self.assertIn('**73.0** | **30.0**', md)


class Docs(unittest.TestCase):
    def result(self):
        r = computed('disk')
        r['zram'] = computed('zram')
        kernel = vm.Kernel('/nonexistent', '/nonexistent.cpio.gz')
        r['setup'].update(accel=bench.qemu_accel(bench.RUN, kernel),
                          host_cores=2, host_cpu='Test CPU', qemu='QEMU '
                          'emulator version 7.2.0', vcpus=2,
                          clocksource='tsc')
        r['date'] = '2026-12-01'
        r['vm_seconds'] = 1300
        r['vm_seconds_by_run'] = {'disk': 830, 'zram': 350, 'profile': 120}
        d = bench.counter_deltas(bench.parse(chan('profile')).counters)
        r['profile'] = {'backends': {b: bench.profile_figures(d[b])
                                     for b in BOTH}}
        return r

    def test_write_docs(self):
        tmp = tempfile.mkdtemp()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                bench.write_docs(self.result(), tmp)
            with open(os.path.join(tmp, 'RESULTS.md')) as f:
                md = f.read()
            with open(os.path.join(tmp, 'results.json')) as f:
                res = json.load(f)
            if shutil.which('gnuplot'):
                self.assertGreater(os.path.getsize(
                    os.path.join(tmp, 'bench.png')), 1000)
        finally:
            shutil.rmtree(tmp)
        self.assertNotRegex(md, r'\{\w+\}')
        for text in ('## Swap on zram', 'vm.page-cluster', 'insert_fallback',
                     'Best backend: **insert**', 'QEMU emulator version',
                     'Test CPU', '`shmem_swapin_folio()`',
                     'swap_cluster_readahead()', '| step | copy µs/page'):
            self.assertIn(text, md)
        # 6.12's shmem swap-in reads ahead: nothing may say otherwise.
        self.assertNotRegex(md.lower(), r'one page at a time|page by page '
                            r'swap|without readahead')
        self.assertEqual(res['best_backend'], 'insert')
        self.assertEqual(sorted(res['backends']), BOTH)
        self.assertEqual(sorted(res['zram']['backends']), BOTH)
        self.assertEqual(res['setup']['accel'], 'TCG')

    def test_old_results_still_plot(self):
        old = {'arms': {'shrink.anon': {'median': 70, 'min': 60, 'max': 80,
                                        'n': 5},
                        'shrink.bo': {'median': 46, 'min': 36, 'max': 88,
                                      'n': 10}},
               'backends': ['shmem'], 'shrink_ratio': 0.66, 'targets': {}}
        anon, bk = bench.view(old)
        self.assertEqual(list(anon), ['shrink.anon'])
        self.assertEqual(list(bk['copy']['arms']), ['shrink.bo'])
        self.assertIn('shrink: to swap', bench.table(old))


class Main(unittest.TestCase):
    """make bench end to end, the VM runs replaced by the recorded
    channels: disk, zram, profile, in that order."""

    def run_main(self, runs, **kw):
        tmp = tempfile.mkdtemp()
        booted = []

        def run_vm(run, kernel):
            name = runs[len(booted)]
            booted.append(run)
            ch = chan(name)
            rec = results.Run('vm-' + run.name, 'vm', os.path.relpath(
                os.path.join(LOGS, 'bench-profile.log'), settings.ROOT), 60)
            rec.facts = dict(ch.facts)
            rec.cases, rec.problems = channel.verdict(ch, list(run.tests))
            return rec, ch
        kernel = vm.Kernel('/nonexistent', '/nonexistent.cpio.gz')
        out = io.StringIO()
        try:
            with mock.patch.object(bench.vm, 'run_vm', run_vm), \
                    mock.patch.object(bench.vm, 'prepare',
                                      lambda *a, **k: kernel), \
                    mock.patch.object(bench.series, 'ensure_tree',
                                      lambda *a: None), \
                    mock.patch.object(bench, 'profile_kernel',
                                      lambda: kernel), \
                    mock.patch.object(bench, 'DOCS', tmp), \
                    contextlib.redirect_stdout(out):
                a = args(plot_only=False, profile_only=False,
                         estimate=False, **kw)
                try:
                    rc, err = bench.main(a), None
                except bench.proc.Failure as e:
                    rc, err = None, str(e)
            with open(os.path.join(tmp, 'results.json')) as f:
                res = json.load(f)
        finally:
            shutil.rmtree(tmp)
        return rc, err, res, booted

    def test_three_runs(self):
        # The profile run checks that tools/bench-profile.patch applies to
        # build/linux (it caught a series change once): that needs the tree.
        if not os.path.isdir(os.path.join(settings.TREE, '.git')):
            self.skipTest('no build/linux (make tree)')
        rc, err, res, booted = self.run_main(['disk', 'zram', 'profile'])
        self.assertEqual((rc, err), (0, None))
        self.assertEqual([r.name for r in booted],
                         ['bench', 'bench-zram', 'bench-profile'])
        self.assertEqual(booted[1].swapdev, 'zram')
        self.assertEqual(res['best_backend'], 'insert')
        self.assertEqual(res['zram']['setup']['swapdev'], 'zram')
        self.assertEqual(res['zram']['setup']['swap_device'],
                         'zram (in guest RAM, compressed)')
        self.assertEqual(sorted(res['profile']['backends']), BOTH)
        self.assertEqual(res['profile']['raw_info']['prof']['pages'],
                         262144)
        self.assertEqual(sorted(res['vm_seconds_by_run']),
                         ['disk', 'profile', 'zram'])
        for k in ('accel', 'host_cores', 'host_cpu', 'qemu', 'kernel',
                  'mem_mib', 'swap_mib', 'clocksource'):
            self.assertIn(k, res['setup'])
        self.assertEqual(res['setup']['host_cores'], os.cpu_count())

    def test_failed_backend_fails_after_the_docs(self):
        rc, err, res, _ = self.run_main(['noinsert'], no_zram=True,
                                        no_profile=True)
        self.assertIsNone(rc)
        self.assertIn('inserted nothing', err)
        self.assertIn('disk: bench swap kind=bo-fault', err)
        self.assertEqual(res['best_backend'], 'copy')
        self.assertEqual(len(res['backends']['insert']['failures']), 3)


class Setup(unittest.TestCase):
    def test_accel_from_the_qemu_command_line(self):
        kernel = vm.Kernel('/nonexistent', '/nonexistent.cpio.gz')
        old = os.environ.get('KVM')
        try:
            os.environ.pop('KVM', None)
            self.assertEqual(bench.qemu_accel(bench.RUN, kernel), 'TCG')
            os.environ['KVM'] = '1'
            self.assertEqual(bench.qemu_accel(bench.RUN, kernel), 'KVM')
        finally:
            if old is None:
                os.environ.pop('KVM', None)
            else:
                os.environ['KVM'] = old

    def test_host_cpu(self):
        tmp = tempfile.NamedTemporaryFile('w', delete=False)
        tmp.write('processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\n')
        tmp.close()
        try:
            self.assertEqual(bench.host_cpu(tmp.name), 'Some CPU @ 2.0GHz')
        finally:
            os.unlink(tmp.name)
        self.assertEqual(bench.host_cpu('/nonexistent'), '?')


class Plan(unittest.TestCase):
    def test_make_bench_fits_in_40_minutes(self):
        text, total = bench.estimate_text(args())
        self.assertLess(total, 40 * 60, text)
        names = [w for w, _, _ in bench.plan(args())]
        self.assertEqual(names, ['disk', 'zram', 'profile'])

    def test_estimate_matches_the_recorded_run(self):
        # 2026-11-28: 557 s for 5 rounds of one backend, no many arm.
        old = bench.Cfg(reps=5, backends=('copy',),
                        arms=('swap', 'churn', 'pressure'))
        self.assertLess(abs(bench.estimate(old) - 557), 0.1 * 557)

    def test_runs(self):
        p = {w: (run, cfg) for w, run, cfg in bench.plan(args())}
        disk, zram = p['disk'][0], p['zram'][0]
        self.assertEqual(disk.swapdev, 'disk')
        self.assertEqual(zram.swapdev, 'zram')
        cmd = zram.kernel_cmdline().split()
        for w in ('ttmh.swapdev=zram', 'ttmh.backends=copy,insert',
                  'ttmh.reps=2', 'ttmh.bench_mib=128',
                  'ttmh.arms=swap,pressure,pc', 'ttmh.tests=bench'):
            self.assertIn(w, cmd)
        self.assertIn('ttmh.arms=swap', p['profile'][0].kernel_cmdline())
        for w, (run, cfg) in p.items():
            self.assertGreaterEqual(run.timeout, 2 * bench.estimate(cfg), w)

    def test_guest_defaults_match(self):
        with open(os.path.join(settings.GUEST, 'tests', 'bench')) as f:
            text = f.read()
        arms = re.search(r'arg ttmh\.arms ([\w,]+)', text).group(1)
        backends = re.search(r'arg ttmh\.backends ([\w,]+)', text).group(1)
        self.assertEqual(arms, ','.join(bench.Cfg().arms))
        self.assertEqual(backends, ','.join(bench.BACKENDS))


class Copy(unittest.TestCase):
    def test_compute_does_not_change_its_input(self):
        p = bench.parse(chan('disk'))
        before = copy.deepcopy(p)
        bench.compute(p, BOTH)
        self.assertEqual(p, before)


if __name__ == '__main__':
    unittest.main()
