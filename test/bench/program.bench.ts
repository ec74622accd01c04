// The program editor's per-keystroke work on the hub, and the kiosk's version lookup per sale.
// Baselines from the same run: parseProgram alone (the schema check every edit needs anyway) and
// earnForSale alone (what the preview calls once per example sale).
import { earnForSale } from '../../core/earn';
import { checkProgram } from '../../core/program/checks';
import { demoProgram } from '../../core/program/demo';
import { defaultSampleFields, programFromForm, samplesFromForm } from '../../core/program/form';
import { previewSales } from '../../core/program/preview';
import { parseProgram } from '../../core/program/schema';
import { programInEffect, type ProgramVersion } from '../../core/program/versions';
import { fmt, opsPerSecond } from './stats';

export async function run(): Promise<void> {
  const program = demoProgram();
  const fields: [string, string][] = [['rules.2.multiplier', '3'], ['rewards.0.cost.stamps', '9'], ...defaultSampleFields(program)];
  const tuesday = new Date('2026-11-24T09:00:00Z');

  const parseRate = opsPerSecond(() => {
    parseProgram(program);
  }, 1000);
  const checkRate = opsPerSecond(() => {
    checkProgram(program, 'pl');
  }, 1000);
  const formRate = opsPerSecond(() => {
    programFromForm(program, fields, 'pl');
  }, 1000);
  const samples = samplesFromForm(program, fields);
  const previewRate = opsPerSecond(() => {
    previewSales(program, samples, { locale: 'pl', fromDate: '2026-11-24' });
  }, 1000);
  let n = 0;
  const earnRate = opsPerSecond(() => {
    earnForSale(
      program,
      { id: 'm', joinedAt: '2026-01-01T00:00:00Z', visits: 1, firstPurchaseDone: true },
      { id: 's', total: { amount: 1840, currency: 'PLN' } },
      tuesday,
      () => `e${n++}`,
    );
  }, 1000);
  const keystroke = 1000 / formRate + 1000 / previewRate;
  console.log(`parseProgram (baseline)          ${fmt(parseRate, 0)} /s`);
  console.log(`checkProgram (editor checks)     ${fmt(checkRate, 0)} /s`);
  console.log(`programFromForm (form→checked)   ${fmt(formRate, 0)} /s  (${fmt(parseRate / formRate)}× the cost of parseProgram alone)`);
  console.log(
    `previewSales, ${samples.length} examples        ${fmt(previewRate, 0)} /s  (earnForSale alone ${fmt(earnRate, 0)} /s; ${fmt(
      earnRate / previewRate / samples.length,
    )}× per example for wording and moments)`,
  );
  console.log(`one preview request's core work  ${fmt(keystroke, 3)} ms`);

  const versions: ProgramVersion[] = Array.from({ length: 1000 }, (_, i) => ({
    version: i + 1,
    effectiveFrom: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString(),
    document: program,
  }));
  const lookups = opsPerSecond(() => {
    programInEffect(versions, tuesday);
  }, 1000);
  console.log(`programInEffect over 1,000 versions ${fmt(lookups, 0)} /s (per sale on the kiosk)`);
}
