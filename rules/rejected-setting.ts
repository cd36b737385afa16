import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'rejected-setting',
    severity: 'error',
    category: 'broken',
    description: 'A CORS setting the implementation refuses (the deploy or start-up fails) or silently replaces with something else.',
    formats: ['yaml', 'python', 'json', 'js', 'ts'],
    docs: {
      whatItDoes:
        "Reports settings that never take effect as written. ingress-nginx validates `cors-allow-origin` and, when the annotation fails, logs a warning and uses `*` instead; an entry without a scheme is skipped. AWS SAM inserts `Cors` values into API Gateway mappings, so each must be a quoted literal (`\"'https://app.example.com'\"`); an unquoted one fails the deploy with \"Invalid mapping expression specified\", and `AllowCredentials: true` with origin `'*'` fails the transform. API Gateway HTTP APIs (`CorsConfiguration`, OpenAPI `x-amazon-apigateway-cors`, CDK `CfnApi`) refuse credentials with a `*` origin at deploy; the AWS CDK refuses the same pair in `HttpApi` `corsPreflight`, and `*` next to other origins (or an empty list) in a REST API's `CorsOptions`, at synth. Templates are read as YAML or JSON. APISIX's schema refuses `allow_credential: true` with a `*` origin. Kubernetes refuses a Gateway API HTTPRoute CORS filter or an Envoy Gateway SecurityPolicy whose origin is not one its CRD accepts (a path, a trailing slash, a `*` anywhere but a leading host label). Starlette's `CORSMiddleware` takes only its own keyword options: a misspelt one (`allow_credential=True`, `allow_origin=[...]`) is a TypeError when the middleware stack is built, so the app answers nothing. hapi refuses `'*'` next to other origins in `cors.origin`, and `credentials: true` with `origin: 'ignore'`, when the server starts. Kong's cors plugin cannot be bound to a consumer (its schema's `consumer` must be null): a declarative `kong.yml` with one under `consumers:` or with a `consumer:` key does not load, and neither does one whose array settings (`origins`, `methods`, `headers`, `exposed_headers`) are written as one string (\"expected an array\"; decK passes the string on as it is).",
      why: 'The configuration reads as an allowlist but the running system does something else: a typo in one ingress annotation opens the API to every origin, and a template that looks fine only fails in the pipeline. The message says what the implementation does instead.',
      examples: [
        {
          format: 'yaml',
          filename: 'ingress.yaml',
          bad: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com/"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: "false"\n',
          good: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: "false"\n',
        },
        {
          format: "yaml",
          filename: "template.yaml",
          bad: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      Cors:\n        AllowOrigin: \"https://app.example.com\"\n",
          good: "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      Cors:\n        AllowOrigin: \"'https://app.example.com'\"\n",
        },
      ],
      references: [
        'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#enable-cors',
        'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-corsconfiguration.html',
      ],
    },
  },
  check(policy, context) {
    for (const { loc, message } of policy.rejected ?? []) context.report({ loc, message });
  },
});
