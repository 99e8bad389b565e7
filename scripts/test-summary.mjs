// Sums the vitest JSON reports of every package and prints "N passed, N failed" (what CI reads).
// A package whose tests did not produce a report counts as one failure, so a crash cannot pass.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const pkgFile = join(root, group, name, 'package.json');
    if (!existsSync(pkgFile) || !JSON.parse(readFileSync(pkgFile, 'utf8')).scripts?.test) continue;
    const report = join(root, group, name, 'test-results', 'vitest.json');
    if (!existsSync(report)) {
      console.log(`${group}/${name}: no test report (the test run crashed or did not start)`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const suiteFailures = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    console.log(`${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteFailures} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    passed += r.numPassedTests;
    failed += r.numFailedTests + suiteFailures;
    skipped += r.numPendingTests + r.numTodoTests;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
