'use strict';
// No server-wide CORS: the route's own settings, over hapi's defaults.
const Hapi = require('@hapi/hapi');

module.exports = () => {
  const server = Hapi.server({ host: '127.0.0.1', port: 0 });
  server.route({
    method: ['GET', 'PUT'],
    path: '/x',
    options: { cors: { origin: ['https://app.example.com'], preflightStatusCode: 204, exposedHeaders: ['x-total'], maxAge: 600 } },
    handler: () => 'ok',
  });
  return server;
};
