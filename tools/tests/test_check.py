# SPDX-License-Identifier: GPL-2.0
"""make check's checkpatch rule for new files, its choice of TTM driver
objects, the objects it removes after kept base warnings, and the key
those warnings are kept under."""

import glob
import os
import tempfile
import unittest

from ttmhlib import check, settings

HAVE_TREE = os.path.exists(os.path.join(settings.TREE,
                                        'scripts/checkpatch.pl'))
XE_PATCH = sorted(glob.glob(os.path.join(
    settings.SERIES, '*-drm-xe-Give-the-system-pages-of-idle-objects*')))


class NewFiles(unittest.TestCase):
    def test_new_and_changed_files(self):
        text = ('diff --git a/drivers/x/a.c b/drivers/x/a.c\n'
                'new file mode 100644\n'
                'diff --git a/drivers/x/b.c b/drivers/x/b.c\n'
                'index 1..2 100644\n')
        with tempfile.NamedTemporaryFile('w', suffix='.patch') as f:
            f.write(text)
            f.flush()
            self.assertEqual(check.new_files(f.name), ['drivers/x/a.c'])


@unittest.skipUnless(HAVE_TREE and XE_PATCH, 'no build/linux or xe patch')
class MaintainersRule(unittest.TestCase):
    def test_new_file_under_a_maintained_directory_passes(self):
        self.assertTrue(check.maintained('drivers/gpu/drm/xe/xe_bo.c'))
        self.assertEqual(check.checkpatch(XE_PATCH[0]), '')

    def test_new_file_nobody_maintains_still_warns(self):
        with open(XE_PATCH[0]) as f:
            text = f.read().replace('drivers/gpu/drm/xe/xe_shrinker.',
                                    'ttm-nowhere/xe_shrinker.')
        with tempfile.NamedTemporaryFile('w', suffix='.patch') as f:
            f.write(text)
            f.flush()
            self.assertFalse(check.maintained('ttm-nowhere/xe_shrinker.c'))
            self.assertIn('FILE_PATH_CHANGES', check.checkpatch(f.name))


@unittest.skipUnless(HAVE_TREE, 'no build/linux')
class GlueObjects(unittest.TestCase):
    def test_ttm_includers_and_touched_sources(self):
        with tempfile.TemporaryDirectory() as out:
            old = settings.OUT
            settings.OUT = out
            try:
                bdir = os.path.join(out, 'x86-check-drivers')
                for obj in ('drivers/gpu/drm/qxl/qxl_ttm.o',
                            'drivers/gpu/drm/qxl/qxl_drv.o',
                            'drivers/gpu/drm/qxl/qxl_kms.o'):
                    os.makedirs(os.path.dirname(os.path.join(bdir, obj)),
                                exist_ok=True)
                    open(os.path.join(bdir, obj), 'w').close()
                got = check.glue_objects(['drivers/gpu/drm/qxl/qxl_drv.c',
                                          'include/drm/ttm/ttm_bo.h'])
            finally:
                settings.OUT = old
        # qxl_ttm.c includes a TTM header, qxl_drv.c was touched, and
        # qxl_kms.c neither (built objects only: the others are absent).
        self.assertEqual(got, ['drivers/gpu/drm/qxl/qxl_drv.o',
                               'drivers/gpu/drm/qxl/qxl_ttm.o'])



def _object(bdir, obj, deps):
    """An object and its kbuild .cmd file listing @deps (None: no .cmd)."""
    path = os.path.join(bdir, obj)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, 'w').close()
    if deps is None:
        return
    src, hdrs = deps[0], deps[1:]
    with open(os.path.join(os.path.dirname(path),
                           '.%s.cmd' % os.path.basename(path)), 'w') as f:
        f.write('savedcmd_%s := ccache gcc -Wp,-MMD,x.o.d -c -o %s %s\n\n'
                % (obj, obj, src))
        f.write('source_%s := %s\n\n' % (obj, src))
        f.write('deps_%s := \\\n' % obj)
        for h in hdrs:
            f.write('  %s \\\n    $(wildcard include/config/FOO) \\\n' % h)
        f.write('\n%s: $(deps_%s)\n\n$(deps_%s):\n' % (obj, obj, obj))


class ForgetAffected(unittest.TestCase):
    def test_objects_with_a_changed_source_or_header_go(self):
        tree = os.path.realpath(settings.TREE)
        with tempfile.TemporaryDirectory() as bdir:
            up = os.path.relpath(tree, bdir)
            _object(bdir, 'd/a.o', [up + '/d/a.c',
                                    up + '/include/drm/ttm/ttm_bo.h'])
            _object(bdir, 'd/b.o', [tree + '/d/b.c', 'include/generated/x.h'])
            _object(bdir, 'd/c.o', [up + '/d/c.c',
                                    tree + '/include/linux/mm.h'])
            _object(bdir, 'd/nocmd.o', None)
            _object(bdir, 'e/d.o', [tree + '/e/d.c'])
            n = check.forget_affected(bdir, {'include/drm/ttm/ttm_bo.h',
                                             'd/b.c'}, 'd')
            left = sorted(os.path.relpath(os.path.join(r, f), bdir)
                          for r, _, fs in os.walk(bdir) for f in fs
                          if f.endswith('.o'))
        # a.o by a header (relative path), b.o by its source (absolute),
        # nocmd.o since nothing says what it was built from; e/ is not
        # under d/.
        self.assertEqual(n, 3)
        self.assertEqual(left, ['d/c.o', 'e/d.o'])


@unittest.skipUnless(HAVE_TREE, 'no build/linux')
class KeptBase(unittest.TestCase):
    def test_kept_while_the_key_holds(self):
        with tempfile.TemporaryDirectory() as bdir:
            with open(os.path.join(bdir, '.config'), 'w') as f:
                f.write('CONFIG_DRM_TTM=m\n')
            warn = {'drivers/gpu/drm/x.c': {'unused variable', 'cast'}}
            check.keep_base(bdir, check.DRIVERS_WHAT, warn, '/dev/null')
            self.assertEqual(check.cached_base(bdir, check.DRIVERS_WHAT),
                             warn)
            # Other flags, or another .config: built again.
            self.assertIsNone(check.cached_base(
                bdir, check.DRIVERS_WHAT.replace(' C=1', '')))
            with open(os.path.join(bdir, '.config'), 'a') as f:
                f.write('CONFIG_DRM_XE=m\n')
            self.assertIsNone(check.cached_base(bdir, check.DRIVERS_WHAT))


if __name__ == '__main__':
    unittest.main()
