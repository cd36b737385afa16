export { lint, type LintOptions, type LintResult, type SkippedFile } from './engine/lint.js';
export { validateConfig, ConfigError, type Config } from './engine/config.js';
export { respond, simulateFetch } from './model/respond.js';
export { browserVerdict, needsPreflight } from './model/browser.js';
export { rules } from '../rules/index.js';
export type * from './model/types.js';
