import { defineRule } from '../src/engine/rule.js';

/** Raised by the engine for a `cors-lint-disable…` comment that silenced nothing. */
export default defineRule({
  meta: {
    id: 'unused-suppression',
    severity: 'warning',
    category: 'input',
    description: 'A `cors-lint-disable-next-line` or `cors-lint-disable` comment that suppresses nothing.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    docs: {
      whatItDoes: 'Reports a suppression comment whose rule did not fire on the line (or file) it covers, or that names a rule that does not exist.',
      why: 'Stale suppressions hide the next real finding on that line and tell readers a problem exists where it no longer does.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    # cors-lint-disable-next-line nginx-missing-always -- legacy client\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://eslint.org/docs/latest/use/configure/rules#report-unused-eslint-disable-comments'],
    },
  },
});
