/**
 * The location ingress-nginx's template generates for an Ingress's CORS annotations (main.go's
 * parsing, template.go's `buildCorsOriginRegex`, the `CORS` define of nginx.tmpl, written out here
 * from their source), for the tests that serve it on a real nginx.
 */
const PREFIX = 'nginx.ingress.kubernetes.io/';
const ENTRY = /^([a-z]+:\/\/(\*\.)?[A-Za-z0-9\-.]*(:\d+)?|\*|null)?$/;

function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The nginx ingress-nginx generates for one Ingress's CORS annotations. */
export function generatedLocation(name: string, annotations: Record<string, string>, backend = 'return 200 "ok";'): string {
  const get = (key: string) => annotations[PREFIX + key];
  let origins: string[] = [];
  for (const origin of (get('cors-allow-origin') ?? '*').split(',').map((o) => o.trim())) {
    if (origin === '*') {
      origins = ['*'];
      break;
    }
    if (ENTRY.test(origin)) origins.push(origin);
  }
  const credentials = get('cors-allow-credentials') !== 'false';
  const methods = get('cors-allow-methods') ?? 'GET, PUT, POST, DELETE, PATCH, OPTIONS';
  const headers = get('cors-allow-headers') ?? 'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization';
  const expose = get('cors-expose-headers') ?? '';
  const maxAge = get('cors-max-age') ?? '1728000';
  const originRegex =
    origins.length === 1 && origins[0] === '*'
      ? "set $http_origin *;\nset $cors 'true';"
      : `if ($http_origin ~* (${origins.map((o) => `(${quoteMeta(o).replace('\\*', '[A-Za-z0-9\\-]+')})`).join('|')})$ ) { set $cors 'true'; }`;
  const corsHeaders = [
    "more_set_headers 'Access-Control-Allow-Origin: $http_origin';",
    credentials ? "more_set_headers 'Access-Control-Allow-Credentials: true';" : '',
    `more_set_headers 'Access-Control-Allow-Methods: ${methods}';`,
    `more_set_headers 'Access-Control-Allow-Headers: ${headers}';`,
    expose ? `more_set_headers 'Access-Control-Expose-Headers: ${expose}';` : '',
    `more_set_headers 'Access-Control-Max-Age: ${maxAge}';`,
  ].join('\n');
  return `location /${name}/ {
  set $cors '';
  ${originRegex}
  if ($request_method = 'OPTIONS') { set $cors \${cors}options; }
  if ($cors = "true") { ${corsHeaders} }
  if ($cors = "trueoptions") {
    ${corsHeaders}
    more_set_headers 'Content-Type: text/plain charset=UTF-8';
    more_set_headers 'Content-Length: 0';
    return 204;
  }
  # the backend
  ${backend}
}`;
}

