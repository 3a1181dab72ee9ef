# shellcheck shell=sh
# Scenario 2 (sourced by scn-pressure-mlock and scn-pressure-swap, with
# MLOCK=1 or 0): buffer objects of ~45% of RAM sit idle in a live process
# while a hog needs ~80% of RAM as a working set it keeps touching (sizes:
# sized idle / sized hog in common.sh). Every arm asserts its outcome:
#  - shrinker, both: the hog completes, no OOM kill, the objects verify.
#  - legacy (6.12 path, ttmh.shrink=0), MLOCK=1: the objects' pages cannot
#    be taken back, so the mlocked hog cannot get its memory and is
#    OOM-killed; no page the holder verifies is lost (or the holder is
#    killed too, which the detail says).
#  - legacy, MLOCK=0: the hog swaps itself and completes; the objects
#    verify. Its time is what the two paths are compared on.
# Result: scn-pressure-mlock.<mode> / scn-pressure-swap.<mode>.
# shellcheck source=guest/lib/common.sh
. /guest/lib/common.sh
load_vttm
MODE=$(mode)
if [ "${MLOCK:-0}" = 1 ]; then
	name=pressure-mlock
else
	name=pressure-swap
fi
size=8
bo=$(sized idle "$(arg ttmh.bo_pct)")
count=$((bo / size))
start_holder /tmp/holder.out --count "$count" --size-mib $size --seed 22 ||
	abort "scn-$name.$MODE" "the holder died before its objects were ready"
hog=$(sized hog "$(arg ttmh.hog_pct)" "$bo")
oom0=$(oom_kills)
if [ "${MLOCK:-0}" = 1 ]; then
	run_hog "$hog" --passes 2 --mlock
else
	run_hog "$hog" --passes 2
fi
finish_holder /tmp/holder.out
oom=$(($(oom_kills) - oom0))
demo "$name.$MODE bo_mib=$((count * size)) hog_mib=$hog hog=$hogst hog_s=${hogs:-none}" \
	"oom_kills=$oom intact=${intact:-0}/${pages:-0} holder_rc=$holdrc" \
	"backed_up=$(shrinker_stat backed_up_pages) restored=$(shrinker_stat restored_pages)" \
	"purged=$(shrinker_stat purged_pages)"
detail="bo_mib=$((count * size)) hog_mib=$hog hog=$hogst hog_s=${hogs:-none} oom_kills=$oom intact=${intact:-0}/${pages:-0} holder_rc=$holdrc"
why=
if [ "$MODE" = legacy ] && [ "${MLOCK:-0}" = 1 ]; then
	why=$(need "$why" "hog=$hogst (want oom-killed)" [ "$hogst" = oom-killed ])
	if [ "$holdrc" = 137 ]; then
		detail="$detail; the holder was OOM-killed too: nothing to verify"
	else
		why=$(need_holder "$why")
	fi
else
	why=$(need "$why" "hog=$hogst (want completed)" [ "$hogst" = completed ])
	if shrinking; then
		why=$(need "$why" "oom_kills=$oom (want 0)" [ "$oom" = 0 ])
	fi
	why=$(need_holder "$why")
fi
verdict "scn-$name.$MODE" "$why" "$detail"
exit 0
