import { askedName, isHeaderNamed } from './header-names.js';
import type { CorsRequest, CorsResponse, ResponseHeader } from './types.js';

/**
 * The Fetch standard's CORS check (semantics F1–F8), with the error text Chromium prints, so
 * a user can paste what they see in the console and find the line that causes it.
 */

export interface BrowserVerdict {
  allowed: boolean;
  /** The reason alone, e.g. "No 'Access-Control-Allow-Origin' header is present on the requested resource." */
  reason?: string;
  /** The whole console message as Chromium prints it. */
  message?: string;
  /** The response header that decided a failure, when one did. */
  culprit?: ResponseHeader;
  /** Console warnings Chromium prints for a request it still allows. */
  warnings?: string[];
}

/**
 * The Fetch standard says `*` in Allow-Headers never covers Authorization, but Chromium (checked
 * in test/truth-browser.test.ts, Chromium 156) and Firefox still let it through with this warning.
 */
export const AUTHORIZATION_WILDCARD_WARNING = '"Authorization" will not be covered by the wildcard symbol (*) in CORS "Access-Control-Allow-Headers" handling.';

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
/** Without their values we cannot tell a safelisted Content-Type; JSON bodies (the common case) need a preflight, so only these count as safe. */
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language']);

export function needsPreflight(request: CorsRequest): boolean {
  if (!SAFELISTED_METHODS.has(request.method)) return true;
  return (request.headers ?? []).some((name) => !SAFELISTED_HEADERS.has(name.toLowerCase()));
}

function headerValues(response: CorsResponse, name: string): ResponseHeader[] {
  const wanted = askedName(name);
  return response.headers.filter((header) => isHeaderNamed(header, name, wanted));
}

/** The entries of a comma-separated header value (Allow-Methods, Allow-Headers), trimmed, empty ones dropped. */
export function listTokens(value: string): string[] {
  return value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
}

function corsCheck(request: CorsRequest, response: CorsResponse): { reason: string; culprit?: ResponseHeader } | undefined {
  const allowOrigin = headerValues(response, 'Access-Control-Allow-Origin');
  if (allowOrigin.length === 0) {
    return { reason: "No 'Access-Control-Allow-Origin' header is present on the requested resource." };
  }
  const combined = allowOrigin.map((header) => header.value).join(', ');
  if (allowOrigin.length > 1) {
    return {
      reason: `The 'Access-Control-Allow-Origin' header contains multiple values '${combined}', but only one is allowed.`,
      culprit: allowOrigin[1],
    };
  }
  if (!request.credentials && combined === '*') return undefined;
  if (combined === '*') {
    return {
      reason:
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
      culprit: allowOrigin[0],
    };
  }
  if (combined !== (request.origin ?? 'null')) {
    return {
      reason: `The 'Access-Control-Allow-Origin' header has a value '${combined}' that is not equal to the supplied origin.`,
      culprit: allowOrigin[0],
    };
  }
  if (request.credentials) {
    const allowCredentials = headerValues(response, 'Access-Control-Allow-Credentials');
    const value = allowCredentials.map((header) => header.value).join(', ');
    if (value !== 'true') {
      return {
        reason: `The value of the 'Access-Control-Allow-Credentials' header in the response is '${value}' which must be 'true' when the request's credentials mode is 'include'.`,
        culprit: allowCredentials[0],
      };
    }
  }
  return undefined;
}

function preflightCheck(request: CorsRequest, response: CorsResponse, warnings: string[]): { reason: string; culprit?: ResponseHeader; prefixed: boolean } | undefined {
  const failure = corsCheck(request, response);
  if (failure) return { ...failure, prefixed: true };
  if (response.status === undefined || response.status < 200 || response.status > 299) {
    return { reason: 'It does not have HTTP ok status.', prefixed: true };
  }
  const methodsHeader = headerValues(response, 'Access-Control-Allow-Methods');
  const methods = methodsHeader.flatMap((header) => listTokens(header.value));
  const method = request.method;
  if (!SAFELISTED_METHODS.has(method) && !methods.includes(method) && (request.credentials || !methods.includes('*'))) {
    return { reason: `Method ${method} is not allowed by Access-Control-Allow-Methods in preflight response.`, culprit: methodsHeader[0], prefixed: false };
  }
  const headersHeader = headerValues(response, 'Access-Control-Allow-Headers');
  const allowed = headersHeader.flatMap((header) => listTokens(header.value).map((token) => token.toLowerCase()));
  for (const raw of request.headers ?? []) {
    const name = raw.toLowerCase();
    if (SAFELISTED_HEADERS.has(name) || allowed.includes(name)) continue;
    const wildcardCovers = allowed.includes('*') && !request.credentials;
    if (wildcardCovers && name === 'authorization') warnings.push(AUTHORIZATION_WILDCARD_WARNING);
    if (!wildcardCovers) {
      return {
        reason: `Request header field ${name} is not allowed by Access-Control-Allow-Headers in preflight response.`,
        culprit: headersHeader[0],
        prefixed: false,
      };
    }
  }
  return undefined;
}

/**
 * Judge one response as a browser would. When `request.preflight` is set, `response` is the
 * answer to the OPTIONS preflight; otherwise it is the answer to the actual request.
 */
export function browserVerdict(request: CorsRequest, response: CorsResponse, url = 'https://api.example.test/'): BrowserVerdict {
  const head = `Access to fetch at '${url}' from origin '${request.origin ?? 'null'}' has been blocked by CORS policy: `;
  if (request.preflight) {
    const warnings: string[] = [];
    const failure = preflightCheck(request, response, warnings);
    if (!failure) return warnings.length ? { allowed: true, warnings } : { allowed: true };
    const prefix = failure.prefixed ? "Response to preflight request doesn't pass access control check: " : '';
    return { allowed: false, reason: failure.reason, message: head + prefix + failure.reason, culprit: failure.culprit };
  }
  const failure = corsCheck(request, response);
  if (!failure) return { allowed: true };
  return { allowed: false, reason: failure.reason, message: head + failure.reason, culprit: failure.culprit };
}
