'use strict';
const Hapi = require('@hapi/hapi');

module.exports = () => {
  const server = Hapi.server({
    host: '127.0.0.1',
    port: 0,
    routes: { cors: { origin: ['https://app.example.com', 'https://*.example.org'], credentials: true, additionalHeaders: ['x-token'], additionalExposedHeaders: ['x-total'] } },
  });
  server.route({ method: ['GET', 'PUT'], path: '/x', handler: () => 'ok' });
  server.route({ method: 'GET', path: '/fail', handler: () => { throw new Error('failed'); } });
  return server;
};
