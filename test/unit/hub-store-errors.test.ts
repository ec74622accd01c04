import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../cloud/store';

const coded = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('which database errors mean "the database is away" (503, retried) rather than a bug', () => {
  it('connection refused, dropped, timed out, shutting down, not accepting connections', () => {
    for (const error of [
      coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      coded('read ECONNRESET', 'ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('timeout exceeded when trying to connect'),
      coded('terminating connection due to administrator command', '57P01'),
      coded('the database system is starting up', '57P03'),
      coded('connection failure', '08006'),
      coded('sorry, too many clients already', '53300'),
      coded('database "x" is not currently accepting connections', '55000'),
    ])
      expect(isDatabaseUnavailable(error), error.message).toBe(true);
  });

  it('not: constraint violations, syntax errors, other 55000s, bad logins, non-errors', () => {
    for (const error of [
      coded('duplicate key value violates unique constraint "claims_pkey"', '23505'),
      coded('syntax error at or near "selec"', '42601'),
      coded('object is in use', '55006'),
      coded('lock not available', '55P03'),
      coded('password authentication failed for user "x"', '28P01'),
      new Error('program refused: currency'),
      'Connection terminated',
      undefined,
    ])
      expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
