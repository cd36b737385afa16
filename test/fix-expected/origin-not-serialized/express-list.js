const express = require('express');
const cors = require('cors');

const app = express();
app.use(
  cors({
    origin: [
      // cors-lint-expect: origin-not-serialized@7
      'https://app.example.com',
      // cors-lint-expect: origin-not-serialized@7
      'https://admin.example.com',
      // cors-lint-expect: origin-not-serialized@7
      'shop.example.com',
      // cors-lint-expect: origin-not-serialized@7
      'https://example.com',
      'https://ok.example.com',
      'http://localhost:3000',
      // cors-lint-expect: null-origin@7
      'null',
    ],
  }),
);
