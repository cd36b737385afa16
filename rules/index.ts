import type { Rule } from '../src/engine/rule.js';
import appCorsShadowed from './app-cors-shadowed.js';
import authorizationNeedsExplicitAllow from './authorization-needs-explicit-allow.js';
import clientRequestBlocked from './client-request-blocked.js';
import corsAfterRoutes from './cors-after-routes.js';
import credentialsReflectAnyOrigin from './credentials-reflect-any-origin.js';
import credentialsWildcardOrigin from './credentials-wildcard-origin.js';
import duplicateAllowOrigin from './duplicate-allow-origin.js';
import insecureOriginWithCredentials from './insecure-origin-with-credentials.js';
import maxAgeOverBrowserLimit from './max-age-over-browser-limit.js';
import missingVaryOrigin from './missing-vary-origin.js';
import nginxAddHeaderInheritance from './nginx-add-header-inheritance.js';
import nginxMissingAlways from './nginx-missing-always.js';
import nullOrigin from './null-origin.js';
import originNotSerialized from './origin-not-serialized.js';
import originRegexUnanchored from './origin-regex-unanchored.js';
import originRegexUnescapedDot from './origin-regex-unescaped-dot.js';
import originSharedHosting from './origin-shared-hosting.js';
import originSubstringMatch from './origin-substring-match.js';
import originTypo from './origin-typo.js';
import originWildcardLiteral from './origin-wildcard-literal.js';
import originWwwMismatch from './origin-www-mismatch.js';
import parseError from './parse-error.js';
import preflightIncomplete from './preflight-incomplete.js';
import preflightUnhandled from './preflight-unhandled.js';
import reflectAnyOrigin from './reflect-any-origin.js';
import rejectedSetting from './rejected-setting.js';
import unusedSuppression from './unused-suppression.js';
import wildcardHeadersWithCredentials from './wildcard-headers-with-credentials.js';
import wildcardOrigin from './wildcard-origin.js';

/** Every rule, sorted by id. Explicit imports, no directory scanning: a parity test checks this list against rules/, docs/ and fixtures/. */
export const rules: readonly Rule[] = [
  appCorsShadowed,
  authorizationNeedsExplicitAllow,
  clientRequestBlocked,
  corsAfterRoutes,
  credentialsReflectAnyOrigin,
  credentialsWildcardOrigin,
  duplicateAllowOrigin,
  insecureOriginWithCredentials,
  maxAgeOverBrowserLimit,
  missingVaryOrigin,
  nginxAddHeaderInheritance,
  nginxMissingAlways,
  nullOrigin,
  originNotSerialized,
  originRegexUnanchored,
  originRegexUnescapedDot,
  originSharedHosting,
  originSubstringMatch,
  originTypo,
  originWildcardLiteral,
  originWwwMismatch,
  parseError,
  preflightIncomplete,
  preflightUnhandled,
  reflectAnyOrigin,
  rejectedSetting,
  unusedSuppression,
  wildcardHeadersWithCredentials,
  wildcardOrigin,
];
