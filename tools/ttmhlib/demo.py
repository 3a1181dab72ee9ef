# SPDX-License-Identifier: GPL-2.0
"""make demo: the side-by-side demonstration.

The same non-debug kernel boots twice, with vttm opted in to the
shrinker and on the 6.12 path, and runs scenario 1 (objects of twice the
RAM) and scenario 2 (idle objects next to a hog, mlocked and not).  Each
scenario asserts its own outcome on both paths (guest/lib/pressure.sh):
on the 6.12 path the mlocked hog is OOM-killed, with the shrinker it
completes; nothing is lost on either.  The exit status is 0 only if every
scenario of both boots passed and no run had a problem.  The table and
docs/DEMO.md come from the boots' TTMH-DEMO lines.
"""

import os
import time

from . import proc, results, series, settings, vm

TESTS = ('report', 'scn-overcommit', 'scn-pressure-mlock',
         'scn-pressure-swap')
MODES = (('shrinker', 1), ('legacy', 0))

ROWS = [
    ('BOs created (2x RAM), MiB', 'overcommit', 'bo_mib'),
    ('  verified pages intact', 'overcommit', 'intact'),
    ('  OOM kills', 'overcommit', 'oom_kills'),
    ('Idle BOs (%d%% RAM), MiB' % settings.PRESSURE_BO_PCT,
     'pressure-mlock', 'bo_mib'),
    ('  mlocked hog (%d%% RAM), MiB' % settings.PRESSURE_HOG_PCT,
     'pressure-mlock', 'hog_mib'),
    ('  hog outcome', 'pressure-mlock', 'hog'),
    ('  hog seconds', 'pressure-mlock', 'hog_s'),
    ('  OOM kills', 'pressure-mlock', 'oom_kills'),
    ('  verified pages intact', 'pressure-mlock', 'intact'),
    ('Same, hog may swap (no mlock)', 'pressure-swap', 'hog'),
    ('  hog seconds', 'pressure-swap', 'hog_s'),
    ('  OOM kills', 'pressure-swap', 'oom_kills'),
    ('  verified pages intact', 'pressure-swap', 'intact'),
    ('Pages backed up (total)', 'pressure-swap', 'backed_up'),
    ('Pages restored (total)', 'pressure-swap', 'restored'),
    ('Pages purged (total)', 'pressure-swap', 'purged'),
]


def demo_fields(ch):
    """{key: {field: value}} from the channel's TTMH-DEMO lines."""
    out = {}
    for words in ch.words('DEMO'):
        w = words.split()
        if w:
            out[w[0]] = dict(x.split('=', 1) for x in w[1:] if '=' in x)
    return out


def render(template, **fields):
    with open(os.path.join(settings.TEMPLATES, template)) as f:
        return f.read().format(**fields)


def report_only():
    """Boot the patched kernel once and print what it reports."""
    series.ensure_tree()
    kernel = vm.prepare(False)
    run = vm.VmRun('report', ('report',), swap=256, timeout=300)
    rec, ch = vm.run_vm(run, kernel)
    print('\n'.join(ch.words('REPORT')))
    rec.report()
    return 1 if rec.counts()[1] else 0


def main(args):
    if args.report_only:
        return report_only()
    series.ensure_tree()
    kernel = vm.prepare(False)
    res = results.Results(os.path.join(settings.LOGS, 'demo-results.json'))
    fields, report, secs, clock = {}, [], 0.0, '?'
    for mode, shrink in MODES:
        run = vm.VmRun('demo-' + mode, TESTS, shrink=shrink, timeout=1800)
        rec, ch = vm.run_vm(run, kernel)
        res.add(rec)
        secs += rec.seconds
        fields[mode] = demo_fields(ch)
        clock = ch.facts.get('clock', clock)
        if mode == 'shrinker':
            report = ch.words('REPORT')
            print('\n'.join(report))

    def get(mode, key, field):
        return fields.get(mode, {}).get('%s.%s' % (key, mode), {}).get(
            field, '?')
    lines = ['%-32s %-18s %-18s' % ('', 'TTM shrinker', 'legacy (6.12)')]
    for label, scn, field in ROWS:
        lines.append('%-32s %-18s %-18s' % (label, get('shrinker', scn, field),
                                            get('legacy', scn, field)))
    passed, failed, _ = res.totals()
    verdict = ('every scenario passed on both paths (%d results)' % passed
               if not failed else '%d FAILED (see build/logs/demo-*.log)' %
               failed)
    summary = ('demo: shrinker: hog=%s oom_kills=%s intact=%s | legacy: '
               'hog=%s oom_kills=%s intact=%s | %s' % (
                   get('shrinker', 'pressure-mlock', 'hog'),
                   get('shrinker', 'pressure-mlock', 'oom_kills'),
                   get('shrinker', 'pressure-mlock', 'intact'),
                   get('legacy', 'pressure-mlock', 'hog'),
                   get('legacy', 'pressure-mlock', 'oom_kills'),
                   get('legacy', 'pressure-mlock', 'intact'),
                   'PASS' if not failed else 'FAIL'))
    cases = ['%-5s %-12s %s %s' % (c.status, r.name[len('vm-demo-'):],
                                   c.name, c.detail)
             for r in res.runs for c in r.cases]
    cases += ['PROBLEM %s: %s' % (r.name, p) for r in res.runs
              for p in r.problems]
    print()
    print('\n'.join(lines))
    print()
    run = vm.RUNS['scenarios']
    text = render('DEMO.md.in', date=time.strftime('%Y-%m-%d'), secs=secs,
                  kernel_version=series.version_of_tree(),
                  base_pkg=settings.BASE_PKG,
                  base_version=settings.BASE_VERSION,
                  accel='KVM' if os.environ.get('KVM') == '1' else
                  'TCG (software emulation)',
                  host_cores=os.cpu_count(), vcpus=run.cpus, ram=run.ram,
                  swap=run.swap, clock=clock,
                  bo_pct=settings.PRESSURE_BO_PCT,
                  hog_pct=settings.PRESSURE_HOG_PCT, verdict=verdict,
                  table='\n'.join(lines), summary=summary,
                  cases='\n'.join(cases), report='\n'.join(report))
    with open(os.path.join(settings.DOCS, 'DEMO.md'), 'w') as f:
        f.write(text)
    proc.say('wrote docs/DEMO.md')
    print(summary)
    return 1 if failed else 0
