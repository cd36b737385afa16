import { describe, expect, it } from 'vitest';
import { describeReport, runDifferential } from './helpers/nginx-differential.js';
import { nginxBinary } from './helpers/servers.js';

/**
 * Generated nginx CORS configs against the real nginx (issue 11). `npm test` runs a fixed seeded
 * sample; `npm run test:nginx-differential` runs NGINX_DIFF_COUNT (default 2,000) configs.
 */
const available = nginxBinary() !== undefined;
if (!available && process.env.CI === 'true') throw new Error('CI=true: nginx must be installed for the real-server tests');

const COUNT = Number(process.env.NGINX_DIFF_COUNT ?? 100);
const FIRST_SEED = Number(process.env.NGINX_DIFF_SEED ?? 1);

describe.skipIf(!available)('generated nginx configs: respond() equals the real nginx', () => {
  it(`${COUNT} configs from seed ${FIRST_SEED}`, { timeout: 600_000 }, async () => {
    const seeds = Array.from({ length: COUNT }, (_, i) => FIRST_SEED + i);
    const report = await runDifferential(seeds);
    console.log(describeReport(report));
    expect(report.configs).toBe(COUNT);
    // The model must decide most answers, or the comparison proves little.
    expect(report.compared).toBeGreaterThan(report.requests);
    expect(report.disagreements.map((d) => `seed ${d.seed} ${d.request.preflight ? 'OPTIONS' : d.request.method} ${d.path} ${d.request.origin}`)).toEqual([]);
  });
});
