import type { CorsPolicy, Format, Loc, Severity } from '../model/types.js';

export interface RuleExample {
  format: Format;
  /** File name the example is linted as (its extension picks the extractor). */
  filename: string;
  bad: string;
  good: string;
  /** Other files of the repository the example needs (a frontend's package.json and .env, the server it calls), linted with it. */
  context?: Array<{ path: string; text: string }>;
}

export interface RuleDocs {
  whatItDoes: string;
  why: string;
  examples: RuleExample[];
  options?: string;
  limitations?: string;
  references: string[];
}

export interface RuleMeta {
  id: string;
  severity: Severity;
  description: string;
  category: 'security' | 'broken' | 'input';
  formats: Format[];
  docs: RuleDocs;
  fixable?: boolean;
}

/** What the whole lint run revealed, for rules that compare a policy with the rest of the repository. */
export interface ProjectFacts {
  /** Hosts known to be served: nginx `server_name`, hosts of configured origins, `knownOrigins`. */
  servedHosts: Map<string, { loc?: Loc; how: string }>;
  /** Every origin string written anywhere in the run, with where. */
  writtenOrigins: Array<{ value: string; loc: Loc }>;
}

export interface RuleContext {
  project: ProjectFacts;
  /** `fix`: a certain edit, as a span of the file and its replacement (becomes `Diagnostic.fix`). */
  report(finding: { message: string; loc: Loc; fix?: { loc: Loc; text: string; title?: string } }): void;
}

export interface Rule {
  meta: RuleMeta;
  /** Absent for diagnostics the engine itself raises (`parse-error`, `unused-suppression`). */
  check?(policy: CorsPolicy, context: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
