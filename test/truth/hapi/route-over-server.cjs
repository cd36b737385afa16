'use strict';
// The route's settings are applied over the server's: its origin list, the route's credentials.
const Hapi = require('@hapi/hapi');

module.exports = () => {
  const server = Hapi.server({ host: '127.0.0.1', port: 0, routes: { cors: { origin: ['https://app.example.com', 'https://foo.example.org'] } } });
  server.route({ method: ['GET', 'PUT'], path: '/x', config: { cors: { credentials: true } }, handler: () => 'ok' });
  return server;
};
