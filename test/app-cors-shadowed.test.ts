import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { shadowedApps } from '../src/topology/shadowed-apps.js';
import { fixtureUnits } from './helpers/fixtures.js';

/**
 * Which apps the topology marks as shadowed by the proxy in front, fixture by fixture: the near
 * misses stay silent for the reason their name gives (two policies that agree are still
 * shadowed; a published port or OPTIONS passed through to the app leave it live).
 */
const units = new Map(fixtureUnits().filter((unit) => unit.ruleDir === 'app-cors-shadowed').map((unit) => [unit.name.split('/')[1], unit]));

function appShadowed(name: string): boolean {
  const unit = units.get(name);
  expect(unit, name).toBeDefined();
  const { policies } = lint(unit!.files);
  const app = policies.find((policy) => policy.source.file.endsWith('api/server.js'));
  expect(app, 'the app policy').toBeDefined();
  return shadowedApps.has(app!);
}

describe('app-cors-shadowed: which apps nginx shadows', () => {
  it('nginx answering every preflight and hiding the app’s Allow-Origin shadows it', () => {
    expect(appShadowed('nginx-answers-for-express')).toBe(true);
    // Same topology, same policy on both sides: shadowed, and silent only because nothing differs.
    expect(appShadowed('policies-agree.near-miss')).toBe(true);
  });

  it('a published port or OPTIONS passed through leaves the app live', () => {
    expect(appShadowed('published-port.near-miss')).toBe(false);
    expect(appShadowed('options-passed-through.near-miss')).toBe(false);
  });

  it('an app behind a location that shows the app’s headers through is not shadowed', () => {
    const unit = units.get('nginx-answers-for-express')!;
    const files = unit.files.map((file) => (file.path.endsWith('default.conf') ? { ...file, text: file.text.replace(/proxy_hide_header Access-Control-Allow-Origin;\n/, '') } : file));
    const { policies, diagnostics } = lint(files);
    expect(shadowedApps.has(policies.find((policy) => policy.source.file.endsWith('api/server.js'))!)).toBe(false);
    expect(diagnostics.filter((d) => d.ruleId === 'app-cors-shadowed')).toEqual([]);
  });
});
