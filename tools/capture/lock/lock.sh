# lock: vCPUs writing while the VMM runs dirty-log rounds back to back (kvmtest step Y), with the
# kernel's lock contention tracepoints (lock:contention_begin/end) and entry/return probes on the
# KVM functions that run under mmu_lock for write.
# kvm_arch_mmu_enable_log_dirty_pt_masked runs with mmu_lock held for write (kvm_get_dirty_log_protect(),
# kvm_clear_dirty_log_protect() in virt/kvm/kvm_main.c); its entry probe is KPROBES' wp_masked. The
# raw rwlock functions and the ioctl handlers are inlined in Debian's 6.12 arm64 build (no probe).
LOCKPROBES='r:lockprobe/wp_masked_ret kvm_arch_mmu_enable_log_dirty_pt_masked
r:lockprobe/split_huge_ret kvm_mmu_split_huge_pages.isra.0'
{ echo "=== lock functions in available_filter_functions"; grep -E '^(_raw_(read|write)_(un)?lock|kvm_vm_ioctl_(get|clear)_dirty_log|kvm_arch_mmu_enable_log_dirty_pt_masked|kvm_mmu_wp_memory_region|kvm_mmu_split_huge_pages)' $T/available_filter_functions; echo "=== lock events"; ls $T/events/lock/; } >> /tmp/meta.log 2>&1

run_lock() {
  name=$1; shift
  reset_trace
  echo 1 > $T/events/kvm/enable
  { echo "$KPROBES"; echo "$LOCKPROBES"; } | while read -r k; do echo "$k" >> $T/kprobe_events 2>/dev/null || echo "kprobe failed: $k" >> /tmp/meta.log; done
  echo 1 > $T/events/kvmprobe/enable 2>>/tmp/meta.log
  echo 1 > $T/events/lockprobe/enable 2>>/tmp/meta.log
  echo 1 > $T/events/lock/contention_begin/enable 2>>/tmp/meta.log
  echo 1 > $T/events/lock/contention_end/enable 2>>/tmp/meta.log
  log "=== scenario $name modes=lock args: $*"
  { echo "tracer: $(cat $T/current_tracer)"; echo "kprobe_events:"; cat $T/kprobe_events 2>/dev/null; echo "set_event:"; cat $T/set_event; } >> /tmp/meta.log
  echo 1 > $T/tracing_on
  /bin/kvmtest "$@" >> /tmp/meta.log 2>&1
  rc=$?
  echo 0 > $T/tracing_on
  log "=== scenario $name rc=$rc"
  P=$(port out$(printf %02d $NEXT))
  if [ -n "$P" ]; then
    cat $T/trace > $P
    log "PORT out$(printf %02d $NEXT) $name"
    NEXT=$((NEXT+1))
  fi
  grep -E 'entries-in-buffer' $T/trace >> /tmp/meta.log
  { echo "kprobe_profile:"; cat $T/kprobe_profile; } >> /tmp/meta.log 2>&1
  cat $T/per_cpu/cpu*/stats 2>/dev/null | grep -E 'overrun|dropped' | tr '\n' ' ' >> /tmp/meta.log; echo >> /tmp/meta.log
  reset_trace
}

# 4 vCPUs on 4 of the 5 L1 CPUs (pinned), 16 MiB slot of 4K pages, the VMM thread free to run.
# (a) dirty logging by bitmap: GET_DIRTY_LOG write-protects what it reports
run_lock lock_getlog -v 4 -m 16 -H nothp -p -P -s ta/,L1,ta/,Ya/,Ya/,Ya/,L0
# (b) manual protect: GET then CLEAR (CLEAR write-protects)
run_lock lock_clearlog -v 4 -m 16 -H nothp -p -P -M -s ta/,L1,Ya/,Ya/,Ya/,L0
