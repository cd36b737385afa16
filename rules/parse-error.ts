import { defineRule } from '../src/engine/rule.js';

/** Raised by the engine when an extractor cannot read a file; the rest of the run goes on. */
export default defineRule({
  meta: {
    id: 'parse-error',
    severity: 'error',
    category: 'input',
    description: 'The file could not be parsed (or could not be read); reported at the error’s position.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes:
        'Reports a syntax error (a missing `;` or `}` in nginx, a JS/TS syntax error), a file that cannot be read, a binary or oversized file that looks like a config, or nesting too deep to analyse — once per problem, at its position. Nothing in the rest of the run is affected.',
      why: 'A config that does not parse is either broken (nginx refuses to start) or not analysed at all; both deserve to be seen rather than silently skipped. A missing `;` in nginx is especially sneaky: the next line becomes extra arguments of the previous directive.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const cors = require('cors');\napp.use(cors({ origin: 'https://app.example.com' );\n",
          good: "const cors = require('cors');\napp.use(cors({ origin: 'https://app.example.com' }));\n",
        },
      ],
      references: ['https://nginx.org/en/docs/beginners_guide.html#conf_structure'],
    },
  },
});
