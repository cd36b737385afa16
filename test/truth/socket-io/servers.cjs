// Socket.IO servers whose CORS answers test/truth-socket-io.test.ts compares with the model's.
// Each is created without an HTTP server; the test attaches one on 127.0.0.1 with a port the OS picks.
const { Server } = require('socket.io');

const wildcardCredentials = new Server({ cors: { origin: '*', credentials: true } });

const reflectCredentials = new Server({ cors: { origin: true, credentials: true } });

const allowlist = new Server({
  cors: { origin: ['https://app.example.com', 'https://foo.example.org'], methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'], maxAge: 600 },
});

const defaults = new Server({ cors: true });

module.exports = { wildcardCredentials, reflectCredentials, allowlist, defaults };
