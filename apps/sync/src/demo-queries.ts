/**
 * The questions `ada-sync demo` asks of what it loaded, in DuckDB's and PostgreSQL's SQL. Each
 * takes the quoted name of a table and the columns of `conversations` (a custom source may lack some).
 */
export type Dialect = 'duckdb' | 'postgres';

export interface DemoQuery {
  title: string;
  /** The tables it reads; a query whose table is missing (a skipped stream) is left out. */
  tables: string[];
  sql(dialect: Dialect, table: (name: string) => string, conversationColumns: readonly string[]): string;
}

export const QUERY_DAYS = 14;

const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

function escalationColumn(columns: readonly string[]): string | undefined {
  return columns.includes('is_escalated') ? 'is_escalated' : columns.find((c) => /escalat/i.test(c));
}

const perDay: DemoQuery = {
  title: `Conversations and escalation rate per day, last ${QUERY_DAYS} days:`,
  tables: ['conversations'],
  sql: (dialect, table, columns) => {
    const escalation = escalationColumn(columns);
    const day = dialect === 'duckdb' ? `CAST(timezone('UTC', date_created) AS DATE)` : `(date_created AT TIME ZONE 'UTC')::date`;
    const since = dialect === 'duckdb' ? `now() - INTERVAL ${QUERY_DAYS} DAY` : `now() - INTERVAL '${QUERY_DAYS} days'`;
    const rate = escalation
      ? `, CAST(round(100.0 * avg(CASE WHEN CAST(${quote(escalation)} AS BOOLEAN) THEN 1 ELSE 0 END), 1) AS DECIMAL(5, 1)) AS escalation_rate_pct`
      : '';
    return `SELECT ${day} AS day, count(*) AS conversations${rate} FROM ${table('conversations')} WHERE date_created >= ${since} GROUP BY 1 ORDER BY 1`;
  },
};

/** Joins three streams: the articles conversations cite (used_articles[].id), and the sources they come from. */
const citedArticles: DemoQuery = {
  title: 'The knowledge articles the AI Agent cited in most conversations:',
  tables: ['conversations', 'knowledge_articles', 'knowledge_sources'],
  sql: (dialect, table) => {
    const cited =
      dialect === 'duckdb'
        ? `SELECT c._id, unnest(CAST(json_extract_string(c.used_articles, '$[*].id') AS VARCHAR[])) AS article_id FROM ${table('conversations')} c`
        : `SELECT c._id, u.article->>'id' AS article_id FROM ${table('conversations')} c ` +
          `CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(c.used_articles) = 'array' THEN c.used_articles ELSE '[]'::jsonb END) AS u(article)`;
    return (
      `WITH cited AS (${cited}) ` +
      `SELECT a.name AS article, s.name AS source, count(DISTINCT cited._id) AS conversations FROM cited ` +
      `JOIN ${table('knowledge_articles')} a ON a.id = cited.article_id LEFT JOIN ${table('knowledge_sources')} s ON s.id = a.knowledge_source_id ` +
      `GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 5`
    );
  },
};

export const DEMO_QUERIES: readonly DemoQuery[] = [perDay, citedArticles];
