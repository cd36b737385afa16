import type { Rule } from '../src/engine/rule.js';
import credentialsReflectAnyOrigin from './credentials-reflect-any-origin.js';
import credentialsWildcardOrigin from './credentials-wildcard-origin.js';
import missingVaryOrigin from './missing-vary-origin.js';
import nginxMissingAlways from './nginx-missing-always.js';
import originNotSerialized from './origin-not-serialized.js';
import originTypo from './origin-typo.js';
import originWwwMismatch from './origin-www-mismatch.js';
import parseError from './parse-error.js';
import preflightUnhandled from './preflight-unhandled.js';
import reflectAnyOrigin from './reflect-any-origin.js';
import rejectedSetting from './rejected-setting.js';
import unusedSuppression from './unused-suppression.js';

/** Every rule, sorted by id. Explicit imports, no directory scanning: a parity test checks this list against rules/, docs/ and fixtures/. */
export const rules: readonly Rule[] = [
  credentialsReflectAnyOrigin,
  credentialsWildcardOrigin,
  missingVaryOrigin,
  nginxMissingAlways,
  originNotSerialized,
  originTypo,
  originWwwMismatch,
  parseError,
  preflightUnhandled,
  reflectAnyOrigin,
  rejectedSetting,
  unusedSuppression,
];
