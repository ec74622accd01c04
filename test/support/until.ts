/** Polls `check` until it holds; fails the test with what it was waiting for after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000, stepMs = 20): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
