import {
  AliasNode,
  TableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/**
 * Above this many rows a query's result is reported: the hub reads sums and pages, never a
 * ledger-sized result into memory. At 10,000,000 entries one such read (the expiry reminder's whole
 * ledger) ran the hub out of JavaScript heap with no word of which statement it was (docs/benchmarks.md).
 */
export const LARGE_RESULT_ROWS = 100_000;

/** What a report says of a statement: the start of its SQL text for a raw query, else its kind and first table. */
function describe(node: RootOperationNode | undefined): string {
  if (node === undefined) return 'a statement';
  if (node.kind === 'RawNode') return node.sqlFragments.join('?').replace(/\s+/g, ' ').trim().slice(0, 160);
  const from = node.kind === 'SelectQueryNode' ? node.from?.froms[0] : undefined;
  const table = from !== undefined && AliasNode.is(from) ? from.node : from;
  return table !== undefined && TableNode.is(table) ? `${node.kind} from ${table.table.identifier.name}` : node.kind;
}

/**
 * A Kysely plugin that tells `report` of every result longer than `limit` rows, with what the
 * statement was: the hub logs it, a test counts it. It changes no query and no result.
 */
export class LargeResultWatch implements KyselyPlugin {
  private readonly statements = new WeakMap<object, RootOperationNode>();

  constructor(
    private readonly limit: number,
    private readonly report: (rows: number, statement: string) => void,
  ) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements.set(args.queryId, args.node);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (args.result.rows.length > this.limit) this.report(args.result.rows.length, describe(this.statements.get(args.queryId)));
    return Promise.resolve(args.result);
  }
}
