# s2lens-tcmd: the trace-cmd variant of plans/s2lens.sh: runs the recording script generated with
# `--tool trace-cmd` (copied in as /plans/s2lens-record.sh by run-capture.sh when TOOL=trace-cmd)
# around the same four phases, and ships the binary trace.dat out through the next virtio-serial
# port with its guest-side size and md5 (the "PORTDAT" line run.sh turns into traces/NAME.dat).
# The guest's trace-cmd 3.1.6 is Debian's dynamic binary, so it needs the library path of the
# realvm-capture init; /usr/bin is added to PATH for the script's `command -v trace-cmd`.
reset_trace
export LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
export PATH=$PATH:/usr/bin
log "=== s2lens-tcmd: recording script begin"
sh /plans/s2lens-record.sh -b 16384 -o /tmp/s2lens.dat -- sh /plans/s2lens-workload.sh >> /tmp/meta.log 2>&1
log "=== s2lens-tcmd: recording script rc=$?"
P=$(port out$(printf %02d $NEXT))
if [ -n "$P" ] && [ -f /tmp/s2lens.dat ]; then
  sz=$(stat -c %s /tmp/s2lens.dat); md=$(md5sum /tmp/s2lens.dat | cut -d' ' -f1)
  cat /tmp/s2lens.dat > $P
  log "PORTDAT out$(printf %02d $NEXT) s2lens_race4_4k size=$sz md5=$md"
  NEXT=$((NEXT+1))
fi
{ echo "=== s2lens-tcmd: kprobe_events after the script (should be empty)"; cat /sys/kernel/tracing/kprobe_events; } >> /tmp/meta.log 2>&1
unset LD_LIBRARY_PATH
reset_trace
