const express = require('express');
const cors = require('cors');
const app = express();
// cors-lint-expect: origin-regex-unescaped-dot@24
app.use(cors({ origin: /^https:\/\/app\.example\.com$/ }));
