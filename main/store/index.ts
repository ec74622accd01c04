export * from './errors';
export * from './schemas';
export { migrations, latestVersion } from './migrations';
export { PID_FILE } from './lock';
export type { Migration } from './migrations';
export * from './store';
