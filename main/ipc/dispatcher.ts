import type { z } from 'zod';
import {
  KioskError,
  MAX_MESSAGE_BYTES,
  commands,
  events,
  isCommandName,
  type CommandName,
  type KioskEvent,
  type KioskServices,
  type Refusal,
  type RefusalCode,
  type Reply,
} from '../../core/contract';

/**
 * The ONE place where messages from a renderer meet the kiosk's services, used by the Electron shell
 * and the browser bridge alike. Every message is checked against the contract before any service
 * sees it, every result is checked before it leaves, and every refusal is logged with its reason.
 * Staff commands need a session unlocked with the staff PIN; it locks again after inactivity.
 */
export interface RefusalLogEntry {
  session: string;
  command: string;
  code: RefusalCode;
  reason: string;
}

export interface DispatcherOptions {
  services: KioskServices;
  /** Where refusals are logged; console.warn by default. */
  log?: (entry: RefusalLogEntry) => void;
  /**
   * Milliseconds for the staff idle lock and the PIN lockout; `performance.now` by default. These are
   * only durations, so a monotonic counter is right: a kiosk whose wall clock jumps (NTP setting it
   * after a boot without a real-time clock) must not lock staff out or unlock the PIN pad early.
   */
  now?: () => number;
  /** Staff mode locks after this long without a staff command (default 2 minutes). */
  staffIdleMs?: number;
  /** Wrong PINs in a row before the PIN pad locks (default 5) ... */
  maxPinFailures?: number;
  /** ... and for how long (default 5 minutes). */
  pinLockoutMs?: number;
  maxMessageBytes?: number;
  /**
   * Where the PIN pad's failure count and lock-out are kept. The kiosk passes its store, so that
   * neither a restart nor a new window resets them; in memory when absent (tests of other things).
   */
  pinLockout?: PinLockoutStore;
}

/** Wrong PINs counted so far and the lock-out's end (clock ms; 0 = not locked). */
export interface PinLockoutState {
  failures: number;
  lockedUntil: number;
}

export interface PinLockoutStore {
  load(): PinLockoutState;
  save(state: PinLockoutState): void;
}

export function memoryPinLockout(): PinLockoutStore {
  let state: PinLockoutState = { failures: 0, lockedUntil: 0 };
  return {
    load: () => state,
    save: (next) => {
      state = { ...next };
    },
  };
}

export interface DispatcherSession {
  readonly id: string;
  /** Answers one message; never throws. `name` and `args` are untrusted. */
  call(name: unknown, args: unknown): Promise<Reply<CommandName>>;
  /** Validated kiosk events plus this session's own (staffLocked). */
  onEvent(listener: (event: KioskEvent) => void): () => void;
  isStaffUnlocked(): boolean;
  close(): void;
}

export interface Dispatcher {
  openSession(label: string): DispatcherSession;
  close(): void;
}

export function defaultRefusalLog(entry: RefusalLogEntry): void {
  console.warn(`[ipc] refused ${entry.command} from ${entry.session}: ${entry.code} — ${entry.reason}`);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(args)'}: ${i.message}`).join('; ');
}

function messageSize(value: unknown): number | undefined {
  try {
    const json = JSON.stringify(value ?? null);
    return new TextEncoder().encode(json).length;
  } catch {
    return undefined; // cyclic, BigInt, ...: not a message the contract can describe
  }
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { services } = options;
  const log = options.log ?? defaultRefusalLog;
  const now = options.now ?? (() => performance.now());
  const staffIdleMs = options.staffIdleMs ?? 120_000;
  const maxPinFailures = options.maxPinFailures ?? 5;
  const pinLockoutMs = options.pinLockoutMs ?? 5 * 60_000;
  const maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;

  // PIN failures are counted for the whole kiosk, so opening a new window does not reset them.
  const pinLockout = options.pinLockout ?? memoryPinLockout();

  const listeners = new Set<(event: KioskEvent) => void>();
  const unsubscribe = services.subscribe((event) => {
    const schema = events[event?.name] as z.ZodType | undefined;
    if (!schema) {
      log({ session: 'main', command: `event ${String(event?.name)}`, code: 'badResult', reason: 'unknown event name; not forwarded' });
      return;
    }
    const parsed = schema.safeParse(event.payload);
    if (!parsed.success) {
      log({ session: 'main', command: `event ${event.name}`, code: 'badResult', reason: `${describeIssues(parsed.error)}; not forwarded` });
      return;
    }
    const clean = { name: event.name, payload: parsed.data } as KioskEvent;
    for (const listener of listeners) listener(clean);
  });

  let sessionCount = 0;

  function openSession(label: string): DispatcherSession {
    const sessionId = `${label}#${++sessionCount}`;
    let unlockedAt: number | null = null;
    let lastStaffActivity = 0;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const own = new Set<(event: KioskEvent) => void>();
    const forward = (event: KioskEvent): void => {
      for (const l of own) l(event);
    };
    listeners.add(forward);

    function lock(reason: 'idle' | 'manual'): void {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      if (unlockedAt === null) return;
      unlockedAt = null;
      forward({ name: 'staffLocked', payload: { reason } });
    }

    function armIdleTimer(): void {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (unlockedAt !== null && now() - lastStaffActivity >= staffIdleMs) lock('idle');
      }, staffIdleMs);
      idleTimer.unref?.();
    }

    function staffUnlocked(): boolean {
      if (unlockedAt === null) return false;
      if (now() - lastStaffActivity >= staffIdleMs) {
        lock('idle');
        return false;
      }
      return true;
    }

    function refuse(command: string, code: RefusalCode, reason: string, extra: Partial<Refusal> = {}): Reply<CommandName> {
      log({ session: sessionId, command, code, reason });
      return { ok: false, error: { code, message: reason, ...extra } };
    }

    async function unlock(pin: string): Promise<Reply<'unlockStaff'>> {
      const t = now();
      const before = pinLockout.load();
      // Attempts still in flight count too: a burst of guesses in one write is refused past the limit
      // without being checked, because each attempt is counted (and saved) before its check starts.
      if (t < before.lockedUntil || before.failures >= maxPinFailures) {
        const retryAfterMs = t < before.lockedUntil ? before.lockedUntil - t : pinLockoutMs;
        log({ session: sessionId, command: 'unlockStaff', code: 'staffLocked', reason: 'PIN pad locked after too many wrong PINs' });
        return { ok: true, value: { unlocked: false, reason: 'lockedOut', attemptsLeft: 0, retryAfterMs } };
      }
      const attempt = before.failures + 1;
      pinLockout.save({ failures: attempt, lockedUntil: 0 });
      if (await services.checkStaffPin(pin)) {
        pinLockout.save({ failures: 0, lockedUntil: 0 });
        unlockedAt = t;
        lastStaffActivity = t;
        armIdleTimer();
        return { ok: true, value: { unlocked: true, idleLockMs: staffIdleMs } };
      }
      log({ session: sessionId, command: 'unlockStaff', code: 'staffLocked', reason: `wrong PIN (${attempt} of ${maxPinFailures})` });
      if (attempt >= maxPinFailures) {
        pinLockout.save({ failures: 0, lockedUntil: t + pinLockoutMs });
        return { ok: true, value: { unlocked: false, reason: 'lockedOut', attemptsLeft: 0, retryAfterMs: pinLockoutMs } };
      }
      return { ok: true, value: { unlocked: false, reason: 'wrongPin', attemptsLeft: maxPinFailures - attempt, retryAfterMs: 0 } };
    }

    async function call(name: unknown, args: unknown): Promise<Reply<CommandName>> {
      const shownName = typeof name === 'string' ? name.slice(0, 60) : typeof name;
      const size = messageSize(args);
      if (size === undefined) return refuse(shownName, 'badArgs', 'arguments are not plain JSON data');
      if (size > maxBytes) return refuse(shownName, 'tooLarge', `message of ${size} bytes exceeds the ${maxBytes}-byte limit`);
      if (!isCommandName(name)) return refuse(shownName, 'unknownCommand', 'no such command in the contract');
      const spec = commands[name];
      const parsed = (spec.args as z.ZodType).safeParse(args);
      if (!parsed.success) return refuse(name, 'badArgs', describeIssues(parsed.error));
      if (spec.staff) {
        if (!staffUnlocked()) return refuse(name, 'staffLocked', 'staff mode is locked; unlock with the staff PIN first');
        lastStaffActivity = now();
        armIdleTimer();
      }

      let value: unknown;
      try {
        if (name === 'unlockStaff') return await unlock((parsed.data as { pin: string }).pin);
        if (name === 'lockStaff') {
          lock('manual');
          value = {};
        } else {
          const method = services[name] as (a: unknown) => Promise<unknown>;
          value = await method.call(services, parsed.data);
        }
      } catch (error) {
        if (error instanceof KioskError) return refuse(name, 'failed', error.message, { reason: error.reason });
        const message = error instanceof Error ? error.message : String(error);
        return refuse(name, 'failed', `service error: ${message}`);
      }
      const checked = (spec.result as z.ZodType).safeParse(value);
      if (!checked.success) return refuse(name, 'badResult', `service answered outside the contract: ${describeIssues(checked.error)}`);
      return { ok: true, value: checked.data } as Reply<CommandName>;
    }

    return {
      id: sessionId,
      call,
      onEvent(listener) {
        own.add(listener);
        return () => own.delete(listener);
      },
      isStaffUnlocked: staffUnlocked,
      close() {
        if (idleTimer) clearTimeout(idleTimer);
        listeners.delete(forward);
        own.clear();
      },
    };
  }

  return {
    openSession,
    close() {
      unsubscribe();
      listeners.clear();
    },
  };
}
