// Options in a second module, as apps keep them (config/cors.js): apps.cjs requires this file.
const allowed = ['https://app.example.com', 'https://foo.example.org'];

module.exports = { corsOptions: { origin: allowed, credentials: true, maxAge: 600 } };
