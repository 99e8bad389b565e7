import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runConnector } from '@ada-airbyte/core/testing';
import { tempDir } from './helpers.js';

// No Docker engine runs here: check the image's conventions from the Dockerfile, reproduce its
// install step (pnpm deploy into a folder) and run the entrypoint the image names from there.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const dockerfile = readFileSync(join(pkgDir, 'Dockerfile'), 'utf8');
const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE_ROOT = '/airbyte/integration_code';

function entrypoint(): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT'))!;
  return JSON.parse(line.slice('ENTRYPOINT'.length).trim()) as string[];
}

describe('Airbyte image', () => {
  it('follows Airbyte conventions: exec-form ENTRYPOINT, AIRBYTE_ENTRYPOINT, labels, non-root user', () => {
    const ep = entrypoint();
    expect(ep).toEqual([`${IMAGE_ROOT}/bin/source-ada`]);
    expect(dockerfile).toMatch(new RegExp(`ENV AIRBYTE_ENTRYPOINT="${ep.join(' ')}"`));
    expect(dockerfile).toMatch(/LABEL io\.airbyte\.name=airbyte\/source-ada/);
    expect(dockerfile).toContain(`LABEL io.airbyte.version=${version}`);
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(lastStage).toMatch(/^USER (?!root)\S+/m);
  });

  it('metadata.yaml describes an api source for Ada hosts at the same version', () => {
    const meta = parse(readFileSync(join(pkgDir, 'metadata.yaml'), 'utf8')) as { data: Record<string, any> };
    expect(meta.data.connectorType).toBe('source');
    expect(meta.data.connectorSubtype).toBe('api');
    expect(meta.data.dockerRepository).toBe('airbyte/source-ada');
    expect(meta.data.dockerImageTag).toBe(version);
    expect(meta.data.allowedHosts.hosts).toEqual(expect.arrayContaining(['*.ada.support']));
  });

  describe('the deployed entrypoint', () => {
    let deployDir: string;
    beforeAll(() => {
      deployDir = join(tempDir(), 'integration_code');
      // The same command the Dockerfile runs to lay out /airbyte/integration_code.
      const deploy = /pnpm --filter (\S+) deploy --prod/.exec(dockerfile)!;
      execFileSync('pnpm', ['--filter', deploy[1]!, 'deploy', '--prod', deployDir], {
        cwd: join(pkgDir, '../..'),
        stdio: 'ignore',
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      });
    }, 120_000);
    afterAll(() => rmSync(deployDir, { recursive: true, force: true }));

    it('runs spec and check from the image layout, from any working directory', async () => {
      const bin = entrypoint()[0]!.replace(IMAGE_ROOT, deployDir);
      const spec = await runConnector(bin, ['spec'], { cwd: '/' });
      expect(spec.invalid).toEqual([]);
      expect(spec.messages.map((m) => m.type)).toEqual(['SPEC']);
      const check = await runConnector(bin, ['check', '--config', '/nonexistent.json'], { cwd: '/' });
      expect(check.messages.map((m) => m.type)).toEqual(['CONNECTION_STATUS']);
    });
  });
});
