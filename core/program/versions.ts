import { z } from 'zod';
import { parseProgram, type Program, type ProgramIssue } from './schema';

/**
 * Versions of a shop's program. The owner publishes a document "from" a moment; the hub numbers
 * publications 1, 2, 3, ... and never changes one. The rule for a moment t: of the versions whose
 * effectiveFrom is at or before t, the one published last (highest number) is in effect. So a new
 * publication overrides everything published before it from its own moment on, including a version
 * scheduled for later that has not started yet.
 */

export type ProgramVersion = {
  version: number;
  /** ISO instant from which the version applies. */
  effectiveFrom: string;
  document: Program;
};

/** The wire and storage shape; the document is checked separately with parseProgram. */
export const programVersionEnvelopeSchema = z
  .object({
    version: z.number().int().min(1).max(1_000_000_000),
    effectiveFrom: z.string().datetime({ offset: true }),
    document: z.unknown(),
  })
  .strict();
export type ProgramVersionEnvelope = z.infer<typeof programVersionEnvelopeSchema>;

/** Checks one received version: its envelope and its document (parseProgram); errors name the field. */
export function parseProgramVersion(input: unknown): { ok: true; version: ProgramVersion } | { ok: false; errors: ProgramIssue[] } {
  const envelope = programVersionEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    return { ok: false, errors: envelope.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(version)', message: i.message })) };
  }
  const document = parseProgram(envelope.data.document);
  if (!document.ok) return { ok: false, errors: document.errors.map((e) => ({ path: `document.${e.path}`, message: e.message })) };
  return { ok: true, version: { version: envelope.data.version, effectiveFrom: envelope.data.effectiveFrom, document: document.program } };
}

/** Start instants, parsed once per version object (a kiosk looks one up for every sale). */
const starts = new WeakMap<object, number>();
function startOf(v: Pick<ProgramVersion, 'effectiveFrom'>): number {
  let t = starts.get(v);
  if (t === undefined) {
    t = Date.parse(v.effectiveFrom);
    starts.set(v, t);
  }
  return t;
}

/** The version in effect at `at`, or undefined when none has started yet. */
export function programInEffect<V extends Pick<ProgramVersion, 'version' | 'effectiveFrom'>>(versions: readonly V[], at: Date): V | undefined {
  const t = at.getTime();
  let best: V | undefined;
  for (const v of versions) {
    if (startOf(v) <= t && (!best || v.version > best.version)) best = v;
  }
  return best;
}

/**
 * Versions that are in effect at `at` or may come into effect later: what a kiosk still needs.
 * A version is superseded once a newer one has started at or before both `at` and its own start.
 */
export function liveVersions<V extends Pick<ProgramVersion, 'version' | 'effectiveFrom'>>(versions: readonly V[], at: Date): V[] {
  return versions
    .filter((v) => {
      const from = Math.max(at.getTime(), startOf(v));
      return !versions.some((w) => w.version > v.version && startOf(w) <= from);
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * The moment a publication takes effect: the requested one, or `at` (now) when none is given.
 * A moment in the past is refused: sales already rung were earned by the rules then in force.
 */
export function publicationStart(requested: string | undefined, at: Date): { ok: true; effectiveFrom: string } | { ok: false; reason: 'invalid' | 'past' } {
  if (requested === undefined || requested === '') return { ok: true, effectiveFrom: at.toISOString() };
  const t = Date.parse(requested);
  if (Number.isNaN(t)) return { ok: false, reason: 'invalid' };
  // A minute of grace: a form filled in "now" arrives a little later.
  if (t < at.getTime() - 60_000) return { ok: false, reason: 'past' };
  return { ok: true, effectiveFrom: new Date(Math.max(t, at.getTime())).toISOString() };
}
