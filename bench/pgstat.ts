import { sql } from 'kysely';
import { fmt } from './report';
import type { BenchStack } from './stack';

export interface Statement {
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  rows: number;
}

/** Forget what pg_stat_statements counted so far (no-op without it). */
export async function resetStatements(stack: BenchStack): Promise<void> {
  if (stack.statStatements) await sql`select pg_stat_statements_reset()`.execute(stack.db);
}

/** The statements that took the most time since the last reset. */
export async function topStatements(stack: BenchStack, limit: number): Promise<Statement[]> {
  if (!stack.statStatements) return [];
  const r = await sql<Statement>`
    select regexp_replace(query, '\\s+', ' ', 'g') as query, calls::int as calls,
           round(total_exec_time::numeric, 1)::float as total_ms, round(mean_exec_time::numeric, 3)::float as mean_ms,
           rows::int as rows
    from pg_stat_statements
    where query not ilike '%pg_stat_statements%' and query not ilike 'explain%'
    order by total_exec_time desc limit ${limit}`.execute(stack.db);
  return r.rows;
}

export function statementsTable(title: string, statements: Statement[], width = 160): string {
  if (statements.length === 0) return '';
  return (
    `${title}\n\n` +
    [
      '| calls | total ms | mean ms | rows | statement |',
      '|---:|---:|---:|---:|---|',
      ...statements.map(
        (s) =>
          `| ${s.calls} | ${fmt(s.total_ms, 0)} | ${fmt(s.mean_ms, 3)} | ${s.rows} | \`${s.query
            .slice(0, width)
            .replace(/\|/g, '\\|')
            .replace(/`/g, "'")}${s.query.length > width ? '…' : ''}\` |`,
      ),
    ].join('\n')
  );
}

/** Calls and rows of the statements whose text matches every ILIKE pattern given (since the last reset). */
export async function statementRows(
  stack: BenchStack,
  patterns: string[],
): Promise<{ calls: number; rows: number } | null> {
  if (!stack.statStatements) return null;
  const where = patterns.map((p) => sql`query ilike ${p}`);
  const r = await sql<{ calls: number; rows: number }>`
    select coalesce(sum(calls), 0)::int as calls, coalesce(sum(rows), 0)::int as rows
    from pg_stat_statements where ${sql.join(where, sql` and `)}`.execute(stack.db);
  return r.rows[0] ?? null;
}
