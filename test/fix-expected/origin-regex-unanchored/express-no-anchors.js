const express = require('express');
const cors = require('cors');
const app = express();
// cors-lint-expect: origin-regex-unanchored@24
app.use(cors({ origin: /^https:\/\/[a-z]+\.example\.com$/, credentials: true }));
