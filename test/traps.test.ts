import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';

/** The traps real configurations contain, from issue 5: each must be judged right, in both directions. */
function findings(path: string, text: string): string[] {
  return lint([{ path, text }])
    .diagnostics.filter((d) => d.severity !== 'info')
    .map((d) => `${d.line}:${d.column} ${d.ruleId}`);
}

describe('origin-pattern traps', () => {
  it('anchors that bind only one branch of an alternation', () => {
    const text = "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^https:\\/\\/a\\.example\\.com|b\\.example\\.com$/ }));\n";
    expect(findings('server.js', text)).toEqual(['4:24 origin-regex-unanchored']);
    expect(lint([{ path: 'server.js', text }]).diagnostics[0].message).toMatch(/'https:\/\/a\.example\.com\.attacker\.invalid' gets in/);
  });

  it('nginx map with regex keys and default $http_origin reflects everyone; a literal-key map stays quiet', () => {
    const reflecting = 'map $http_origin $cors {\n    default $http_origin;\n    ~^https://.+\\.example\\.com$ $http_origin;\n}\nserver {\n    location / {\n        add_header Access-Control-Allow-Origin $cors always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n';
    expect(findings('site.conf', reflecting)).toEqual(['2:13 reflect-any-origin']);
    const literal = 'map $http_origin $cors {\n    default "";\n    "https://a.example.com" $http_origin;\n    "https://b.example.com" $http_origin;\n}\nserver {\n    location / {\n        add_header Access-Control-Allow-Origin $cors always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n';
    expect(findings('site.conf', literal)).toEqual([]);
  });

  it('set $cors $http_origin before add_header is still a reflection', () => {
    const text = 'server {\n    location / {\n        set $cors_origin $http_origin;\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Access-Control-Allow-Credentials true always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n';
    expect(findings('site.conf', text).map((f) => f.split(' ')[1])).toEqual(['credentials-reflect-any-origin']);
  });

  it("Flask-CORS treats a string with regex characters as a regex, run with re.match", () => {
    const text = 'from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, origins=["https://*.example.com"], supports_credentials=True)\n';
    // `https://*.example.com` is the regex "https:/" + "/*" + any character + "example.com": it never matches a subdomain, but prefix-matches longer origins.
    expect(findings('app.py', text)).toEqual(['4:20 origin-wildcard-literal']);
    expect(lint([{ path: 'app.py', text }]).diagnostics[0].message).toContain("it matches 'https://xexample.com' and no subdomain such as 'https://app.example.com'");
  });

  it('Python re.match versus fullmatch', () => {
    const django = 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\\w+\\.example\\.com"]\n';
    expect(findings('settings.py', django)).toEqual(['2:32 origin-regex-unanchored']);
    const starlette = 'from starlette.middleware.cors import CORSMiddleware\napp.add_middleware(CORSMiddleware, allow_origin_regex=r"https://\\w+\\.example\\.com")\n';
    expect(findings('main.py', starlette)).toEqual([]);
  });

  it("Traefik's regex list is searched unanchored; Envoy's suffix without a leading dot", () => {
    const traefik = 'http:\n  middlewares:\n    cors:\n      headers:\n        accessControlAllowOriginListRegex: ["https://[a-z]+\\\\.example\\\\.com"]\n        addVaryHeader: true\n';
    expect(findings('dynamic.yaml', traefik)).toEqual(['5:45 origin-regex-unanchored']);
    const envoy = 'route_config:\n  virtual_hosts:\n    - name: api\n      response_headers_to_add:\n        - header: { key: Vary, value: Origin }\n      cors:\n        allow_origin_string_match:\n          - suffix: "example.com"\n';
    expect(findings('envoy.yaml', envoy)).toEqual(['8:21 origin-substring-match']);
  });

  it('a regex with nested quantifiers runs on the linear-time matcher only: judged, quickly', () => {
    const text = "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^(https?:\\/\\/(a+)+)+\\.example\\.com/ }));\n";
    const start = Date.now();
    // No `$`: https://a.example.com.attacker.invalid really matches, found without backtracking.
    expect(findings('server.js', text)).toEqual(['4:24 origin-regex-unanchored']);
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});
