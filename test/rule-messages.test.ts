import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';

const messageOf = (path: string, text: string, ruleId: string) => lint([{ path, text }]).diagnostics.find((d) => d.ruleId === ruleId)?.message;

describe('the request a message names can happen under the policy', () => {
  it("authorization-needs-explicit-allow names a method Allow-Methods allows (homarr's GET, OPTIONS route)", () => {
    const route = (methods: string) =>
      `const corsHeaders = {\n  'Access-Control-Allow-Origin': 'https://app.example.com',\n  'Access-Control-Allow-Methods': '${methods}',\n  'Access-Control-Allow-Headers': '*',\n};\nexport async function GET() {\n  return Response.json({}, { headers: corsHeaders });\n}\nexport async function OPTIONS() {\n  return new Response(null, { status: 204, headers: corsHeaders });\n}\n`;
    expect(messageOf('app/api/route.ts', route('GET, OPTIONS'), 'authorization-needs-explicit-allow')).toContain('(the preflight for GET with Authorization from https://app.example.com)');
    expect(messageOf('app/api/route.ts', route('GET, PUT, OPTIONS'), 'authorization-needs-explicit-allow')).toContain('(the preflight for PUT with Authorization, Content-Type from https://app.example.com)');
  });
});
