# SPDX-License-Identifier: GPL-2.0
"""make check's checkpatch rule for new files and its choice of TTM
driver objects."""

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


if __name__ == '__main__':
    unittest.main()
