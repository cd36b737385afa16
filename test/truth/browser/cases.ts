import type { CorsRequest } from '../../../src/model/types.js';

/**
 * The request × response matrix run in Chromium and through browserVerdict(). Each case is one
 * fetch from the page's origin; the responder answers its preflight and its request with exactly
 * these statuses and headers.
 */
export interface BrowserCase {
  name: string;
  request: Omit<CorsRequest, 'origin'>;
  preflight?: { status: number; headers: Array<[string, string]> };
  actual: { status: number; headers: Array<[string, string]> };
}

const ORIGIN = '{origin}';

export const CASES: BrowserCase[] = [
  { name: 'simple GET, exact origin', request: { method: 'GET' }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] } },
  { name: 'simple GET, wildcard', request: { method: 'GET' }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] } },
  { name: 'simple GET, no Allow-Origin', request: { method: 'GET' }, actual: { status: 200, headers: [] } },
  { name: 'simple GET, other origin', request: { method: 'GET' }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', 'https://other.example.com']] } },
  { name: 'simple GET, origin with trailing slash', request: { method: 'GET' }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', `${ORIGIN}/`]] } },
  { name: 'simple GET, duplicated Allow-Origin', request: { method: 'GET' }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Origin', ORIGIN]] } },
  { name: 'simple GET on a 500, exact origin', request: { method: 'GET' }, actual: { status: 500, headers: [['Access-Control-Allow-Origin', ORIGIN]] } },
  { name: 'credentials, wildcard', request: { method: 'GET', credentials: true }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Credentials', 'true']] } },
  { name: 'credentials, exact origin without Allow-Credentials', request: { method: 'GET', credentials: true }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] } },
  { name: 'credentials, exact origin and Allow-Credentials', request: { method: 'GET', credentials: true }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Credentials', 'true']] } },
  { name: 'credentials, Allow-Credentials TRUE', request: { method: 'GET', credentials: true }, actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Credentials', 'TRUE']] } },
  {
    name: 'preflight PUT allowed',
    request: { method: 'PUT' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'GET, PUT']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight PUT, method missing',
    request: { method: 'PUT' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'GET, POST']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight PUT, methods wildcard',
    request: { method: 'PUT' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', '*']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight PUT with credentials, methods wildcard',
    request: { method: 'PUT', credentials: true },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Methods', '*']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Credentials', 'true']] },
  },
  {
    name: 'preflight with a custom header, headers missing',
    request: { method: 'POST', headers: ['X-Token'] },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'POST']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight with a custom header, headers wildcard',
    request: { method: 'POST', headers: ['X-Token'] },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Headers', '*']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight with Authorization, headers wildcard',
    request: { method: 'GET', headers: ['Authorization'] },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Headers', '*']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight with Authorization listed',
    request: { method: 'GET', headers: ['Authorization'] },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Headers', 'Authorization']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight answered 405',
    request: { method: 'DELETE' },
    preflight: { status: 405, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'DELETE']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight without Allow-Origin',
    request: { method: 'DELETE' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Methods', 'DELETE']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
  {
    name: 'preflight ok, actual response without Allow-Origin',
    request: { method: 'PATCH' },
    preflight: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'PATCH']] },
    actual: { status: 200, headers: [] },
  },
  {
    name: 'preflight lower-case method allowed as PATCH',
    request: { method: 'PATCH' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', ORIGIN], ['Access-Control-Allow-Methods', 'patch']] },
    actual: { status: 200, headers: [['Access-Control-Allow-Origin', ORIGIN]] },
  },
];
