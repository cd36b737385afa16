// Hono apps whose CORS answers test/truth-hono.test.ts compares with the model's, header for header.
import { Hono } from 'hono';
import { cors } from 'hono/cors';

const handler = (c) => c.text('ok');

export const defaults = new Hono();
defaults.use('/*', cors());
defaults.on(['GET', 'PUT'], '/x', handler);

export const exact = new Hono();
exact.use('/*', cors({ origin: 'https://app.example.com', credentials: true }));
exact.on(['GET', 'PUT'], '/x', handler);

export const list = new Hono();
list.use('/*', cors({ origin: ['https://app.example.com', 'https://foo.example.org'], allowMethods: ['GET', 'PUT'], allowHeaders: ['Content-Type'], exposeHeaders: ['X-Total'], maxAge: 600 }));
list.on(['GET', 'PUT'], '/x', handler);

export const reflect = new Hono();
reflect.use('/*', cors({ origin: (origin) => origin, credentials: true }));
reflect.on(['GET', 'PUT'], '/x', handler);

// Two layers: the first cors() answers every OPTIONS with its 204 before the second runs.
export const layered = new Hono();
layered.use('/*', cors());
layered.use('/*', cors({ origin: 'https://app.example.com', credentials: true }));
layered.on(['GET', 'PUT'], '/x', handler);

// The first layer covers only /public/*: preflights to /x reach the credentialed one.
export const disjoint = new Hono();
disjoint.use('/public/*', cors());
disjoint.use('/*', cors({ origin: 'https://app.example.com', credentials: true }));
disjoint.on(['GET', 'PUT'], '/x', handler);
