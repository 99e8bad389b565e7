// Preloaded into a measured process with `node --import`: after each full (mark-compact) GC, notes
// the V8 heap in use, and at exit writes the largest value to stderr. It shows whether the live
// data grows with volume, apart from how far V8 lets the heap grow between full GCs (peak RSS).
// Read at the observer's callback, shortly after the GC, so it is approximate (slightly high).
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';

let maxAfterFull = 0;
let fullGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      fullGcs++;
      maxAfterFull = Math.max(maxAfterFull, v8.getHeapStatistics().used_heap_size);
    }
  }
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => {
  process.stderr.write(`\nHEAP-PROBE ${JSON.stringify({ fullGcs, maxHeapAfterFullGcMb: maxAfterFull / 2 ** 20 })}\n`);
});
