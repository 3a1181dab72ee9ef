# Scenario 2 (sourced by scn-pressure-mlock and scn-pressure-swap, with
# MLOCK set): buffer objects of ~45% of RAM sit idle in a live process
# while a hog needs ~80% of RAM as a working set it keeps touching.
# With MLOCK=1 the hog's memory is mlock()ed: with the shrinker it must
# complete with no OOM kill and the objects verify; on the 6.12 path it
# cannot get its memory. With MLOCK=0 the hog can swap, and its time is
# what the two paths are compared on. The legacy outcome is recorded.
. /guest/lib/common.sh
load_vttm
mem=$(mem_mib)
size=8
count=$((mem * 45 / 100 / size))
hog=$((mem * 80 / 100))
if [ "$MLOCK" = 1 ]; then
	name=pressure-mlock
	lockopt=--mlock
else
	name=pressure-swap
	lockopt=
fi

start_holder /tmp/holder.out --count $count --size-mib $size --seed 22
oom0=$(oom_kills)
run_hog $hog --passes 2 $lockopt
finish_holder /tmp/holder.out
oom=$(( $(oom_kills) - oom0 ))
demo "$name.$MODE bo_mib=$((count * size)) hog_mib=$hog hog=$hogst hog_s=${hogs:-none}" \
	"oom_kills=$oom intact=${intact:-0}/${pages:-0} holder_rc=$holdrc" \
	"backed_up=$(shrinker_stat backed_up_pages) restored=$(shrinker_stat restored_pages)" \
	"purged=$(shrinker_stat purged_pages)"
if [ "$MODE" = legacy ]; then
	# The 6.12 baseline: record the outcome, whatever it is; but objects
	# that are verified must be intact.
	if [ "$holdrc" = 137 ] || all_intact; then
		result "scn-$name.legacy" PASS "recorded: hog=$hogst hog_s=${hogs:-none} oom_kills=$oom"
	else
		result "scn-$name.legacy" FAIL "intact=$intact/$pages holder_rc=$holdrc"
	fi
elif [ "$hogst" = completed ] && [ "$oom" = 0 ] && all_intact; then
	result "scn-$name.shrinker" PASS "hog=$hogst hog_s=$hogs oom_kills=0 intact=$intact/$pages"
else
	result "scn-$name.shrinker" FAIL "hog=$hogst oom_kills=$oom intact=$intact/$pages holder_rc=$holdrc"
fi
