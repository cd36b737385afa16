import { rules } from '../../rules/index.js';

/**
 * The JSON Schema of cors-lint.config.json / .yaml (shipped as schemas/cors-lint.config.schema.json,
 * written by `npm run docs`): editors validate and complete the config with it. It mirrors
 * validateConfig(), which stays the authority (it also names the offending key in its errors).
 */
export function configSchema(): Record<string, unknown> {
  const ruleProperties = Object.fromEntries(
    [...rules].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1)).map(({ meta }) => [meta.id, { $ref: '#/definitions/level', description: `${meta.description} (default: ${meta.severity === 'warning' ? 'warn' : meta.severity})` }]),
  );
  const globs = { type: 'array', items: { type: 'string', minLength: 1 } };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/cors-lint/cors-lint/blob/main/schemas/cors-lint.config.schema.json',
    title: 'cors-lint config',
    description: 'cors-lint.config.json, cors-lint.config.yaml, .cors-lintrc.json or the "cors-lint" key of package.json. The nearest config above a file wins; configs above it apply too unless one says root: true.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      root: { type: 'boolean', description: 'Stop looking for configs in the folders above this one.' },
      extends: {
        description: 'Shared config files (relative paths to .json/.yaml files inside the repository), applied first, in order.',
        oneOf: [{ $ref: '#/definitions/sharedFile' }, { type: 'array', items: { $ref: '#/definitions/sharedFile' } }],
      },
      rules: { $ref: '#/definitions/rules' },
      ignores: { ...globs, description: 'gitignore-style patterns, relative to this config file, of files to leave out.' },
      knownOrigins: {
        type: 'array',
        description: 'Origins your team serves that the repository does not show (used by origin-www-mismatch and origin-typo).',
        items: { type: 'string', pattern: '^https?://[^/\\s]+$' },
      },
      overrides: {
        type: 'array',
        description: 'Rule levels for the files matching globs relative to this config file (a glob without "/" matches the file name anywhere below).',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['files'],
          properties: {
            files: { oneOf: [{ type: 'string', minLength: 1 }, { ...globs, minItems: 1 }] },
            excludedFiles: { oneOf: [{ type: 'string', minLength: 1 }, globs] },
            rules: { $ref: '#/definitions/rules' },
          },
        },
      },
    },
    definitions: {
      level: { enum: ['off', 'info', 'warn', 'warning', 'error', 0, 1, 2, '0', '1', '2'] },
      sharedFile: { type: 'string', pattern: '^\\.\\.?/.*\\.(json|ya?ml)$' },
      rules: { type: 'object', description: 'Rule id to level: off, info, warn or error.', additionalProperties: false, properties: ruleProperties },
    },
  };
}
