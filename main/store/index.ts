export * from './errors';
export * from './schemas';
export { migrations, latestVersion } from './migrations';
export type { Migration } from './migrations';
export * from './store';
