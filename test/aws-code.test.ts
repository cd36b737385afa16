import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';

describe('AWS gateway configuration written in code', () => {
  const orders = "export const orders = {\n  handler: 'src/orders.main',\n  events: [{ http: { method: 'put', path: 'orders', cors: { origin: '*', allowCredentials: true } } }],\n};\n";
  const service = "import { orders } from './src/orders';\n\nconst config = { service: 'shop', provider: { name: 'aws' }, functions: { orders } };\n\nmodule.exports = config;\n";

  it('a serverless.ts without a CORS word of its own is read: its functions come from other modules', () => {
    const { diagnostics } = lint([
      { path: 'serverless.ts', text: service },
      { path: 'src/orders.ts', text: orders },
    ]);
    expect(diagnostics.map((d) => `${d.file} ${d.line}:${d.column} ${d.ruleId}`)).toEqual(['src/orders.ts 3:69 credentials-wildcard-origin']);
    // The same module under another name is no service: nothing reads it.
    expect(lint([{ path: 'service.ts', text: service }, { path: 'src/orders.ts', text: orders }]).diagnostics).toEqual([]);
  });

  it('CDK constructs are read only when their class comes from the CDK', () => {
    const stack = (from: string) => `import { RestApi, Cors } from '${from}';\nnew RestApi(this, 'Api', { defaultCorsPreflightOptions: { allowOrigins: Cors.ALL_ORIGINS, allowCredentials: true } });\n`;
    for (const module of ['aws-cdk-lib/aws-apigateway', '@aws-cdk/aws-apigateway']) {
      expect(lint([{ path: 'stack.ts', text: stack(module) }]).diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId}`), module).toEqual(['2:73 credentials-wildcard-origin']);
    }
    expect(lint([{ path: 'stack.ts', text: stack('./my-constructs') }]).diagnostics).toEqual([]);
  });
});
